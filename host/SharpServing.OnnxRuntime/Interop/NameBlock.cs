using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace SharpServing.OnnxRuntime.Interop;

/// <summary>
/// Null-terminated UTF-8 names and the <c>const char*</c> array pointing at them, in pinned (never moving) arrays, as
/// ORT's Run takes them. Immutable once built, so one block serves concurrent runs; the GC frees it with its owner.
/// </summary>
internal sealed class NameBlock
{
    private readonly byte[] _text;
    private readonly nint[] _pointers;

    public unsafe NameBlock(IReadOnlyList<string> names)
    {
        Names = [.. names];
        var size = 0;
        foreach (var name in Names)
        {
            size += Encoding.UTF8.GetByteCount(name) + 1;
        }
        _text = GC.AllocateUninitializedArray<byte>(Math.Max(size, 1), pinned: true);
        _pointers = GC.AllocateUninitializedArray<nint>(Math.Max(Names.Length, 1), pinned: true);
        var offset = 0;
        for (var i = 0; i < Names.Length; i++)
        {
            var written = Encoding.UTF8.GetBytes(Names[i], _text.AsSpan(offset));
            _text[offset + written] = 0;
            _pointers[i] = (nint)Unsafe.AsPointer(ref _text[offset]);
            offset += written + 1;
        }
    }

    public string[] Names { get; }

    public int Count => Names.Length;

    /// <summary>The <c>const char* const*</c> array; valid while this block is reachable.</summary>
    public unsafe nint* Pointers => (nint*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_pointers));
}
