namespace SharpServing.Server.Rest;

/// <summary>Limits of the RESTful front end.</summary>
public sealed class RestOptions
{
    /// <summary>Bytes in one unit of <see cref="MaxMessageMbSize"/> (one MiB).</summary>
    public const int BytesPerMb = 1048576;

    /// <summary>The text for a <see cref="MaxMessageMbSize"/> outside [1, 512].</summary>
    public const string MaxMessageMbSizeRangeMessage = "Parameter 'max_msg_mb_size' should be in range [1,512]";

    private int _maxMessageMbSize = 100;

    /// <summary>
    /// <c>max_msg_mb_size</c>: the largest request body in MiB. Default 100; range [1, 512]. A larger body is answered
    /// with <c>http message is bigger than &lt;bytes&gt;</c> and never buffered beyond the limit.
    /// </summary>
    public int MaxMessageMbSize
    {
        get => _maxMessageMbSize;
        set
        {
            if (value is < 1 or > 512)
            {
                throw new ArgumentOutOfRangeException(nameof(MaxMessageMbSize), value, MaxMessageMbSizeRangeMessage);
            }
            _maxMessageMbSize = value;
        }
    }

    /// <summary>The body limit in bytes: <see cref="MaxMessageMbSize"/> × 1048576.</summary>
    public long MaxMessageBytes => (long)_maxMessageMbSize * BytesPerMb;
}
