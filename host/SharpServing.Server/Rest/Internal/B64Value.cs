namespace SharpServing.Server.Rest.Internal;

/// <summary>A decoded base64 object: its data type, dims and payload (element bytes, or the single item).</summary>
internal readonly record struct B64Value(DataType Type, long[] Dims, byte[] Payload);
