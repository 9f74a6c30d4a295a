namespace SharpServing.Engine;

/// <summary>
/// One input value of a request instance as a protocol decoded it: a valid <see cref="Tensor"/>, or the detail text of
/// why the wire tensor is malformed. The dispatcher reports the detail only if the method declares that input (extra
/// inputs are never validated), as <c>Instances input &lt;name&gt; check failed, detail: &lt;detail&gt;</c>.
/// </summary>
public readonly record struct RequestInput
{
    private RequestInput(Tensor? tensor, string? invalidDetail)
    {
        Tensor = tensor;
        InvalidDetail = invalidDetail;
    }

    /// <summary>The decoded tensor; null when the wire tensor was malformed.</summary>
    public Tensor? Tensor { get; }

    /// <summary>Why the wire tensor is malformed; null when it is valid.</summary>
    public string? InvalidDetail { get; }

    public static RequestInput Valid(Tensor tensor) => new(tensor ?? throw new ArgumentNullException(nameof(tensor)), null);

    public static RequestInput Invalid(string detail) => new(null, detail ?? throw new ArgumentNullException(nameof(detail)));

    public static implicit operator RequestInput(Tensor tensor) => Valid(tensor);
}
