using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;

namespace SharpServing.OnnxRuntime.Internal;

/// <summary>
/// The reusable native objects of one run of a session, so a run of a small fixed-shape model creates none: the run
/// options, and for each small fixed-shape numeric input and output a value over a pinned buffer of its own (an input is
/// copied in, an output copied out: cheaper than creating and releasing a native value for a few bytes). One run at a
/// time uses a slot; the session keeps a few.
/// </summary>
/// <remarks>
/// Ownership: the slot owns its run options, its values and their buffers (pinned arrays, which never move), and lives
/// until the session closes or a run fails or is cancelled with it (then it is disposed, not reused).
/// </remarks>
internal sealed class RunSlot : IDisposable
{
    /// <summary>The largest input or output, in bytes, that a slot keeps a value for.</summary>
    public const int MaxValueBytes = 4096;

    private readonly OrtValue?[] _fixedInputs;
    private readonly byte[]?[] _inputBuffers;
    private readonly long[]?[] _inputShapes;
    private readonly DataType[] _inputTypes;
    private readonly bool[] _created;
    private readonly System.Buffers.MemoryHandle[] _pins;
    private readonly OrtValue[]? _fixedOutputs;
    private readonly byte[][]? _outputBuffers;
    private readonly long[][]? _outputShapes;
    private readonly DataType[]? _outputTypes;

    /// <summary>
    /// Builds the values for <paramref name="inputs"/> and <paramref name="outputs"/> that have a fixed shape; when all of
    /// them do, binds them to <paramref name="session"/> once (<see cref="Binding"/>).
    /// </summary>
    public RunSlot(InferenceSession session, IReadOnlyList<ModelValueInfo> inputs, IReadOnlyList<ModelValueInfo> outputs)
    {
        Options = new RunOptions();
        _fixedInputs = new OrtValue?[inputs.Count];
        _inputBuffers = new byte[]?[inputs.Count];
        _inputShapes = new long[]?[inputs.Count];
        _inputTypes = new DataType[inputs.Count];
        _created = new bool[inputs.Count];
        _pins = new System.Buffers.MemoryHandle[inputs.Count];
        InputValues = new OrtValue[inputs.Count];
        try
        {
            for (var i = 0; i < inputs.Count; i++)
            {
                _inputTypes[i] = inputs[i].DataType;
                if (FixedBytes(inputs[i]) is > 0 and var bytes)
                {
                    _inputShapes[i] = [.. inputs[i].Shape];
                    _inputBuffers[i] = GC.AllocateArray<byte>(bytes, pinned: true);
                    _fixedInputs[i] = Create(inputs[i], _inputShapes[i]!, _inputBuffers[i]!);
                }
            }
            // Outputs go to the slot's buffers only when every output has one (the run then writes them all in place).
            if (outputs.All(o => FixedBytes(o) > 0))
            {
                _fixedOutputs = new OrtValue[outputs.Count];
                _outputBuffers = new byte[outputs.Count][];
                _outputShapes = new long[outputs.Count][];
                _outputTypes = new DataType[outputs.Count];
                for (var k = 0; k < outputs.Count; k++)
                {
                    _outputTypes[k] = outputs[k].DataType;
                    _outputShapes[k] = [.. outputs[k].Shape];
                    _outputBuffers[k] = GC.AllocateArray<byte>(FixedBytes(outputs[k]), pinned: true);
                    _fixedOutputs[k] = Create(outputs[k], _outputShapes[k], _outputBuffers[k]);
                }
                if (Array.TrueForAll(_fixedInputs, v => v is not null))
                {
                    // Everything in place: a run is then one native call, with nothing looked up or allocated.
                    Binding = session.CreateIoBinding();
                    for (var i = 0; i < inputs.Count; i++)
                    {
                        Binding.BindInput(inputs[i].Name, _fixedInputs[i]!);
                    }
                    for (var k = 0; k < outputs.Count; k++)
                    {
                        Binding.BindOutput(outputs[k].Name, _fixedOutputs[k]);
                    }
                }
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The run's options (cancellation sets <see cref="RunOptions.Terminate"/>).</summary>
    public RunOptions Options { get; }

    /// <summary>
    /// The slot's values bound to the session, when every input and output has one; a run whose inputs all fit them
    /// (<see cref="SetInput"/> returned true for each) runs with it.
    /// </summary>
    public OrtIoBinding? Binding { get; }

    /// <summary>The input values of the current run, in model order (filled by <see cref="SetInput"/>).</summary>
    public OrtValue[] InputValues { get; }

    /// <summary>The output values the run writes in place, in model order; null when outputs come back from the run.</summary>
    public IReadOnlyCollection<OrtValue>? FixedOutputs => _fixedOutputs;

    /// <summary>
    /// Sets input <paramref name="index"/>: copied into the slot's value when the tensor has exactly its type and shape,
    /// else a value made for this run over the tensor's memory, pinned until <see cref="EndRun"/>.
    /// </summary>
    /// <returns>Whether the slot's own value took it.</returns>
    public bool SetInput(int index, string name, Tensor tensor)
    {
        if (_inputBuffers[index] is { } buffer && tensor.DataType == _inputTypes[index] && tensor.Shape.SequenceEqual(_inputShapes[index]))
        {
            tensor.Data.Span.CopyTo(buffer);
            InputValues[index] = _fixedInputs[index]!;
            return true;
        }
        InputValues[index] = TensorValues.CreateInput(name, tensor, out _pins[index]);
        _created[index] = true;
        return false;
    }

    /// <summary>Copies output <paramref name="index"/> of the run just done into a new managed tensor.</summary>
    public Tensor ReadOutput(int index)
    {
        var tensor = RequestMemory.Allocate(_outputTypes![index], _outputShapes![index]);
        _outputBuffers![index].AsSpan().CopyTo(MemoryMarshal.AsMemory(tensor.Data).Span);
        return tensor;
    }

    /// <summary>Releases the values made for this run only.</summary>
    public void EndRun()
    {
        for (var i = 0; i < InputValues.Length; i++)
        {
            if (_created[i])
            {
                InputValues[i]?.Dispose();
                _pins[i].Dispose();
                _pins[i] = default;
                _created[i] = false;
            }
            InputValues[i] = null!;
        }
    }

    public void Dispose()
    {
        EndRun();
        Binding?.Dispose();
        foreach (var value in _fixedInputs)
        {
            value?.Dispose();
        }
        foreach (var value in _fixedOutputs ?? [])
        {
            value?.Dispose();
        }
        Options.Dispose();
    }

    /// <summary>The byte size of a value with no dynamic dimension and a numeric type, up to <see cref="MaxValueBytes"/>; else 0.</summary>
    private static int FixedBytes(ModelValueInfo info)
    {
        if (!info.DataType.IsNumeric() || info.HasDynamicDims)
        {
            return 0;
        }
        long bytes = info.DataType.ItemSize();
        foreach (var d in info.Shape)
        {
            bytes *= d;
            if (bytes > MaxValueBytes)
            {
                return 0;
            }
        }
        return (int)bytes;
    }

    private static OrtValue Create(ModelValueInfo info, long[] shape, byte[] buffer)
        => OrtValue.CreateTensorValueWithData(OrtMemoryInfo.DefaultInstance, ElementTypes.ToOrt(info.DataType), shape,
            Marshal.UnsafeAddrOfPinnedArrayElement(buffer, 0), buffer.Length);
}
