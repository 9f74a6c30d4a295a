using SharpServing.Engine;

namespace SharpServing.Server.Grpc.Internal;

/// <summary>What a Predict reply is written from: the request (its spec is echoed) and the engine's reply.</summary>
internal readonly record struct PredictResult(InferRequest Request, InferReply Reply);
