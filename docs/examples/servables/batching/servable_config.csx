// The batching example of docs/batching.md. Model: add.onnx, y = x1 + x2 over float32 [batch, 2] (a dynamic batch dim).
using SharpServing;

var add = DeclareModel("add.onnx", options: new ModelOptions
{
    MaxBatchSize = 16,                              // the batch dim is dynamic (-1): at most 16 instances per run
    BatchDelay = TimeSpan.FromMilliseconds(2),      // once one instance is queued, wait up to 2 ms for more
});

RegisterMethod("add", outputs: ["y"], (x1, x2) => AddStage(add, x1, x2));
