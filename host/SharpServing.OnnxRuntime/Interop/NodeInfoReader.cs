using System.Runtime.InteropServices;

namespace SharpServing.OnnxRuntime.Interop;

/// <summary>Reads a session's input and output descriptions (names, element types, shapes, symbolic dims).</summary>
internal static unsafe class NodeInfoReader
{
    public static OrtNodeInfo[] ReadInputs(OrtApi api, nint session)
    {
        nuint count;
        api.Check(api.SessionGetInputCount(session, &count));
        var result = new OrtNodeInfo[(int)count];
        for (var i = 0; i < result.Length; i++)
        {
            byte* name;
            api.Check(api.SessionGetInputName(session, (nuint)i, api.DefaultAllocator, &name));
            var valueName = TakeName(api, name);
            nint typeInfo;
            api.Check(api.SessionGetInputTypeInfo(session, (nuint)i, &typeInfo));
            result[i] = Describe(api, valueName, typeInfo);
        }
        return result;
    }

    public static OrtNodeInfo[] ReadOutputs(OrtApi api, nint session)
    {
        nuint count;
        api.Check(api.SessionGetOutputCount(session, &count));
        var result = new OrtNodeInfo[(int)count];
        for (var i = 0; i < result.Length; i++)
        {
            byte* name;
            api.Check(api.SessionGetOutputName(session, (nuint)i, api.DefaultAllocator, &name));
            var valueName = TakeName(api, name);
            nint typeInfo;
            api.Check(api.SessionGetOutputTypeInfo(session, (nuint)i, &typeInfo));
            result[i] = Describe(api, valueName, typeInfo);
        }
        return result;
    }

    /// <summary>Element type, dims (dynamic = -1) and, when asked, symbolic dim names of a tensor type-and-shape info.</summary>
    public static (OrtElementType Type, long[] Shape, string?[] Symbols) ReadTensorInfo(OrtApi api, nint info, bool withSymbols)
    {
        OrtElementType type;
        api.Check(api.GetTensorElementType(info, &type));
        nuint rank;
        api.Check(api.GetDimensionsCount(info, &rank));
        var shape = new long[(int)rank];
        var symbols = new string?[withSymbols ? (int)rank : 0];
        if (rank > 0)
        {
            fixed (long* dims = shape)
            {
                api.Check(api.GetDimensions(info, dims, rank));
            }
            if (withSymbols)
            {
                var names = new nint[(int)rank];
                fixed (nint* p = names)
                {
                    api.Check(api.GetSymbolicDimensions(info, (byte**)p, rank));
                }
                for (var d = 0; d < names.Length; d++)
                {
                    // Pointers into ORT's info object: copied out now, empty means "no name".
                    var symbol = names[d] == 0 ? null : Marshal.PtrToStringUTF8(names[d]);
                    symbols[d] = string.IsNullOrEmpty(symbol) ? null : symbol;
                }
            }
        }
        return (type, shape, symbols);
    }

    private static OrtNodeInfo Describe(OrtApi api, string name, nint typeInfoPointer)
    {
        using var typeInfo = new TypeInfoHandle(typeInfoPointer);
        OnnxValueType kind;
        api.Check(api.GetOnnxTypeFromTypeInfo(typeInfoPointer, &kind));
        if (kind != OnnxValueType.Tensor)
        {
            return new OrtNodeInfo(name, DataType.Unknown, OrtElementType.Undefined, [], []);
        }
        // The tensor info belongs to the type info: not released separately.
        nint tensorInfo;
        api.Check(api.CastTypeInfoToTensorInfo(typeInfoPointer, &tensorInfo));
        var (type, shape, symbols) = ReadTensorInfo(api, tensorInfo, withSymbols: true);
        return new OrtNodeInfo(name, ElementTypes.ToSdk(type), type, shape, symbols);
    }

    private static string TakeName(OrtApi api, byte* name)
    {
        try
        {
            return Marshal.PtrToStringUTF8((nint)name) ?? "";
        }
        finally
        {
            api.Check(api.AllocatorFree(api.DefaultAllocator, name));
        }
    }
}
