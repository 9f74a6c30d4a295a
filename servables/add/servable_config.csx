// The add servable: MindSpore Serving's first example. tensor_add.onnx adds two float32 [2, 2] tensors.
using SharpServing;

var model = DeclareModel("tensor_add.onnx", withBatchDim: false);

// y = x1 + x2 for float32 inputs: the model alone.
RegisterMethod("add_common", outputs: ["y"], (x1, x2) => AddStage(model, x1, x2));

// The same for inputs of any numeric type: a C# stage casts them to float32 first.
RegisterMethod("add_cast", outputs: ["y"], (x1, x2) =>
{
    var (a, b) = AddStage(ToFloat32, x1, x2, outputsCount: 2);
    return AddStage(model, a, b);
});

(Tensor, Tensor) ToFloat32(Tensor x1, Tensor x2) => (x1.Cast<float>(), x2.Cast<float>());
