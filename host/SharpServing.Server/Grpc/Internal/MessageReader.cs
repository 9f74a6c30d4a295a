using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace SharpServing.Server.Grpc.Internal;

/// <summary>
/// A message read field by field, as generated code reads it: until the end of its bytes or an end-group tag (which
/// the library then checks was expected); a field <see cref="ReadField"/> does not take is an unknown field, read and
/// dropped as the generated code reads it into its unknown-field set. Never written.
/// </summary>
internal abstract class MessageReader : IBufferMessage
{
    public abstract MessageDescriptor Descriptor { get; }

    public void InternalMergeFrom(ref ParseContext input)
    {
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if ((tag & 7) == 4)
            {
                return;
            }
            if (!ReadField(ref input, tag))
            {
                UnknownFieldSet.MergeFieldFrom(null, ref input);
            }
        }
    }

    /// <summary>Reads the field that <paramref name="tag"/> starts; false leaves it to be read as an unknown field.</summary>
    protected abstract bool ReadField(ref ParseContext input, uint tag);

    public void MergeFrom(CodedInputStream input) => input.ReadRawMessage(this);

    public int CalculateSize() => throw new NotSupportedException("A message read into the engine's types is never written.");

    public void WriteTo(CodedOutputStream output) => throw new NotSupportedException("A message read into the engine's types is never written.");

    public void InternalWriteTo(ref WriteContext output) => throw new NotSupportedException("A message read into the engine's types is never written.");
}
