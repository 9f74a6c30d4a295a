using System.Text;

namespace SharpServing.Internal;

/// <summary>Type names as C# spells them (<c>int</c>, <c>List&lt;int&gt;</c>, <c>int[][]</c>), for error texts.</summary>
internal static class TypeNames
{
    public static string Of(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        if (type.IsArray)
        {
            var rank = type.GetArrayRank();
            return $"{Of(type.GetElementType()!)}[{new string(',', rank - 1)}]";
        }
        if (Nullable.GetUnderlyingType(type) is { } underlying)
        {
            return $"{Of(underlying)}?";
        }
        if (type.IsGenericType)
        {
            var name = type.Name;
            var tick = name.IndexOf('`', StringComparison.Ordinal);
            var sb = new StringBuilder(tick < 0 ? name : name[..tick]).Append('<');
            sb.AppendJoin(", ", type.GetGenericArguments().Select(Of));
            return sb.Append('>').ToString();
        }
        return Keyword(type) ?? type.Name;
    }

    private static string? Keyword(Type type) => Type.GetTypeCode(type) switch
    {
        _ when type.IsEnum => null,
        TypeCode.Boolean => "bool",
        TypeCode.SByte => "sbyte",
        TypeCode.Byte => "byte",
        TypeCode.Int16 => "short",
        TypeCode.UInt16 => "ushort",
        TypeCode.Int32 => "int",
        TypeCode.UInt32 => "uint",
        TypeCode.Int64 => "long",
        TypeCode.UInt64 => "ulong",
        TypeCode.Single => "float",
        TypeCode.Double => "double",
        TypeCode.Decimal => "decimal",
        TypeCode.Char => "char",
        TypeCode.String => "string",
        _ when type == typeof(object) => "object",
        _ => null,
    };
}
