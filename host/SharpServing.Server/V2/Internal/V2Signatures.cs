using System.Reflection;
using System.Runtime.CompilerServices;
using SharpServing.Engine;

namespace SharpServing.Server.V2.Internal;

/// <summary>
/// Infers a method's input and output datatypes and shapes from its graph: an input that goes straight into a model
/// stage takes the model's signature (without the batch dimension the engine adds); a C# stage parameter or result of
/// type <c>byte[]</c> or <c>string</c> is BYTES, a scalar of a numeric type that type with shape <c>[]</c>, an array that
/// type with one -1 per rank. Anything else (a <see cref="Tensor"/> parameter) is unknown: datatype "" and shape [-1].
/// </summary>
internal static class V2Signatures
{
    private static readonly long[] s_anyShape = [-1];

    public static V2TensorMetadata Input(ServableVersion version, MethodDefinition method, int index)
    {
        var name = method.Inputs[index];
        foreach (var stage in method.Stages)
        {
            for (var k = 0; k < stage.Inputs.Count; k++)
            {
                if (stage.Inputs[k] is not { Stage: 0 } source || source.Output != index)
                {
                    continue;
                }
                var found = stage switch
                {
                    ModelStage model => FromModel(version, model, k, input: true),
                    FunctionStage { BatchSize: null } function => FromParameter(function.Function.Method, k),
                    _ => null,
                };
                if (found is { } known)
                {
                    return new V2TensorMetadata(name, known.Datatype, known.Shape);
                }
            }
        }
        return Unknown(name);
    }

    public static V2TensorMetadata Output(ServableVersion version, MethodDefinition method, int index)
    {
        var name = method.Outputs[index];
        var source = method.OutputSources[index];
        if (source.Stage == 0)
        {
            return Input(version, method, source.Output) with { Name = name };
        }
        var stage = method.Stages.FirstOrDefault(s => s.Index == source.Stage);
        var found = stage switch
        {
            ModelStage model => FromModel(version, model, source.Output, input: false),
            FunctionStage { BatchSize: null } function => FromResult(function.Function.Method, source.Output, function.OutputsCount),
            _ => null,
        };
        return found is { } known ? new V2TensorMetadata(name, known.Datatype, known.Shape) : Unknown(name);
    }

    private static V2TensorMetadata Unknown(string name) => new(name, "", s_anyShape);

    private static (string Datatype, long[] Shape)? FromModel(ServableVersion version, ModelStage stage, int position, bool input)
    {
        var signatures = stage.Model.Signatures
            ?? version.Models.FirstOrDefault(m => m.Model.Key == stage.Model.Key)?.Signatures;
        if (signatures is null || stage.Subgraph >= signatures.Count)
        {
            return null;
        }
        var specs = input ? signatures[stage.Subgraph].Inputs : signatures[stage.Subgraph].Outputs;
        if (position >= specs.Count || !specs[position].DataType.IsDefined())
        {
            return null;
        }
        var spec = specs[position];
        var batched = stage.Model.WithBatchDim && !(input && stage.Model.WithoutBatchDimInputs.Contains(position));
        var shape = batched && spec.Shape.Count > 0 ? spec.Shape.Skip(1) : spec.Shape;
        return (V2DataTypes.NameOf(spec.DataType), [.. shape.Select(d => d < 0 ? -1 : d)]);
    }

    private static (string Datatype, long[] Shape)? FromParameter(MethodInfo function, int position)
    {
        var parameters = function.GetParameters();
        return position < parameters.Length ? FromType(parameters[position].ParameterType) : null;
    }

    private static (string Datatype, long[] Shape)? FromResult(MethodInfo function, int position, int count)
    {
        var type = function.ReturnType;
        if (type.IsGenericType && (type.GetGenericTypeDefinition() == typeof(Task<>) || type.GetGenericTypeDefinition() == typeof(ValueTask<>)))
        {
            type = type.GetGenericArguments()[0];
        }
        if (count == 1)
        {
            return FromType(type);
        }
        if (!typeof(ITuple).IsAssignableFrom(type) || !type.IsGenericType)
        {
            return null;
        }
        var elements = type.GetGenericArguments();
        return position < elements.Length ? FromType(elements[position]) : null;
    }

    private static (string Datatype, long[] Shape)? FromType(Type type)
    {
        if (type == typeof(byte[]) || type == typeof(string) || type == typeof(ReadOnlyMemory<byte>))
        {
            return (V2DataTypes.Bytes, [1]);
        }
        var rank = 0;
        if (type.IsArray)
        {
            rank = type.GetArrayRank();
            type = type.GetElementType()!;
        }
        if (!type.IsPrimitive && type != typeof(Half))
        {
            return null;
        }
        var dataType = DataTypes.FromClrType(type);
        return dataType.IsNumeric() ? (V2DataTypes.NameOf(dataType), Enumerable.Repeat(-1L, rank).ToArray()) : null;
    }
}
