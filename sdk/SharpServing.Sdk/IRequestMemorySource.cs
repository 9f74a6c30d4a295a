using System.ComponentModel;

namespace SharpServing;

/// <summary>
/// The host's side of <see cref="RequestMemory"/>: the request that code on a thread runs for. The memory is made when
/// first asked for, so a request that never allocates a large tensor costs nothing.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface IRequestMemorySource
{
    /// <summary>The request's memory.</summary>
    RequestMemory Memory { get; }
}
