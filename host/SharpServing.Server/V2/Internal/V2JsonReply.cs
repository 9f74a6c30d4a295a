using System.Buffers;
using System.Text.Json;
using SharpServing.Engine;

namespace SharpServing.Server.V2.Internal;

/// <summary>The JSON answers of the REST front end: metadata, inference responses (with binary outputs), statistics, errors.</summary>
internal static class V2JsonReply
{
    public static void Error(Utf8JsonWriter w, string message)
    {
        w.WriteStartObject();
        w.WriteString("error", message);
        w.WriteEndObject();
    }

    public static void ServerMetadata(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("name", V2Frontend.ServerName);
        w.WriteString("version", V2Frontend.ServerVersion);
        w.WriteStartArray("extensions");
        foreach (var extension in V2Frontend.Extensions)
        {
            w.WriteStringValue(extension);
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    public static void ModelMetadata(Utf8JsonWriter w, V2ModelMetadata metadata)
    {
        w.WriteStartObject();
        w.WriteString("name", metadata.Name);
        w.WriteStartArray("versions");
        foreach (var version in metadata.Versions)
        {
            w.WriteStringValue(version);
        }
        w.WriteEndArray();
        w.WriteString("platform", metadata.Platform);
        TensorList(w, "inputs", metadata.Inputs);
        TensorList(w, "outputs", metadata.Outputs);
        w.WriteEndObject();
    }

    /// <summary>The JSON of an inference response; outputs named in <paramref name="binary"/> go to <paramref name="binaryPart"/>.</summary>
    public static void Infer(Utf8JsonWriter w, V2InferResult result, string? id, Func<string, bool> binary, ArrayBufferWriter<byte> binaryPart)
    {
        w.WriteStartObject();
        w.WriteString("model_name", result.ModelName);
        w.WriteString("model_version", result.ModelVersion);
        if (id is not null)
        {
            w.WriteString("id", id);
        }
        w.WriteStartArray("outputs");
        foreach (var (name, tensor) in result.Outputs)
        {
            w.WriteStartObject();
            w.WriteString("name", name);
            w.WriteString("datatype", V2DataTypes.NameOf(tensor.DataType));
            w.WriteStartArray("shape");
            foreach (var d in tensor.Shape)
            {
                w.WriteNumberValue(d);
            }
            w.WriteEndArray();
            if (binary(name))
            {
                var raw = V2Tensors.ToRaw(tensor);
                binaryPart.Write(raw);
                w.WriteStartObject("parameters");
                w.WriteNumber("binary_data_size", raw.Length);
                w.WriteEndObject();
            }
            else
            {
                w.WritePropertyName("data");
                Data(w, tensor);
            }
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>The elements, flat, in row-major order. Non-finite floats (JSON has none) as the strings "NaN", "Infinity", "-Infinity".</summary>
    private static void Data(Utf8JsonWriter w, Tensor tensor)
    {
        w.WriteStartArray();
        switch (tensor.DataType)
        {
            case DataType.Bool:
                foreach (var b in tensor.Data.Span)
                {
                    w.WriteBooleanValue(b != 0);
                }
                break;
            case DataType.Int8:
                foreach (var v in tensor.AsSpan<sbyte>()) { w.WriteNumberValue(v); }
                break;
            case DataType.UInt8:
                foreach (var v in tensor.AsSpan<byte>()) { w.WriteNumberValue(v); }
                break;
            case DataType.Int16:
                foreach (var v in tensor.AsSpan<short>()) { w.WriteNumberValue(v); }
                break;
            case DataType.UInt16:
                foreach (var v in tensor.AsSpan<ushort>()) { w.WriteNumberValue(v); }
                break;
            case DataType.Int32:
                foreach (var v in tensor.AsSpan<int>()) { w.WriteNumberValue(v); }
                break;
            case DataType.UInt32:
                foreach (var v in tensor.AsSpan<uint>()) { w.WriteNumberValue(v); }
                break;
            case DataType.Int64:
                foreach (var v in tensor.AsSpan<long>()) { w.WriteNumberValue(v); }
                break;
            case DataType.UInt64:
                foreach (var v in tensor.AsSpan<ulong>()) { w.WriteNumberValue(v); }
                break;
            case DataType.Float16:
                foreach (var v in tensor.AsSpan<Half>()) { Number(w, (double)v, (float)v); }
                break;
            case DataType.Float32:
                foreach (var v in tensor.AsSpan<float>()) { Number(w, v, v); }
                break;
            case DataType.Float64:
                foreach (var v in tensor.AsSpan<double>()) { Number(w, v, null); }
                break;
            default:
                foreach (var item in tensor.Items)
                {
                    w.WriteStringValue(System.Text.Encoding.UTF8.GetString(item.Span));
                }
                break;
        }
        w.WriteEndArray();
    }

    private static void Number(Utf8JsonWriter w, double value, float? single)
    {
        if (double.IsNaN(value))
        {
            w.WriteStringValue("NaN");
        }
        else if (double.IsInfinity(value))
        {
            w.WriteStringValue(value > 0 ? "Infinity" : "-Infinity");
        }
        else if (single is { } f)
        {
            // The shortest text that reads back as the same float32.
            w.WriteNumberValue(f);
        }
        else
        {
            w.WriteNumberValue(value);
        }
    }

    private static void TensorList(Utf8JsonWriter w, string property, IReadOnlyList<V2TensorMetadata> tensors)
    {
        w.WriteStartArray(property);
        foreach (var tensor in tensors)
        {
            w.WriteStartObject();
            w.WriteString("name", tensor.Name);
            w.WriteString("datatype", tensor.Datatype);
            w.WriteStartArray("shape");
            foreach (var d in tensor.Shape)
            {
                w.WriteNumberValue(d);
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }
}
