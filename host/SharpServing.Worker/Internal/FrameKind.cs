namespace SharpServing.Worker.Internal;

/// <summary>What a frame carries.</summary>
internal enum FrameKind : byte
{
    /// <summary>Server to worker: describe the loaded version (empty payload).</summary>
    Describe = 1,

    /// <summary>Worker to server: a <c>DescribeReply</c>.</summary>
    DescribeReply = 2,

    /// <summary>Server to worker: a <c>PredictRequest</c>.</summary>
    Predict = 3,

    /// <summary>Worker to server: a <c>PredictReply</c>.</summary>
    PredictReply = 4,

    /// <summary>Server to worker: the request with this id was cancelled (empty payload); the worker sends no reply.</summary>
    Cancel = 5,
}
