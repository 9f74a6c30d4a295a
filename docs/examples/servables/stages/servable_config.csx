// The stages example of docs/servable-config.md. Model: add.onnx, y = x1 + x2 over float32 [batch, 2].
using SharpServing;
using SharpServing.Imaging;

// --- Models: declared once, at the top. withBatchDim: true (the default) means the first dimension is the batch, so
// each instance is one float32 [2] row and the server stacks instances of concurrent requests into one run.
var add = DeclareModel("add.onnx", withBatchDim: true, options: new ModelOptions { MaxBatchSize = 8 });

// --- A method with only a model stage. Its inputs are the lambda's parameters: x1, x2.
RegisterMethod("add", outputs: ["y"], (x1, x2) => AddStage(add, x1, x2));

// --- Function stages before and after the model. outputsCount says how many values a stage returns (a tuple).
RegisterMethod("add_scaled", outputs: ["y", "sum"], (x1, x2, factor) =>
{
    var (a, b) = AddStage(Scale, x1, x2, factor, outputsCount: 2);
    var y = AddStage(add, a, b);
    var sum = AddStage(Sum, y);
    return (y, sum);
});

// --- A tagged stage: its failures read "Call Check Failed, ...".
RegisterMethod("add_checked", outputs: ["y"], (x1, x2) =>
{
    var checkedX1 = AddStage(CheckFinite, x1, tag: "Check");
    return AddStage(add, checkedX1, x2);
});

// --- A stage that calls the model itself, as often as it likes (Model.Call runs one instance; CallBatch several).
RegisterMethod("add_three", outputs: ["y"], (x1, x2, x3) => AddStage(AddThree, x1, x2, x3));

// --- A batched function: it receives up to batchSize instances at once, as a list, and returns one result each.
RegisterMethod("normalize", outputs: ["y"], x => AddStage(Normalize, x, batchSize: 4));

// --- Strings and bytes: a string input arrives as string, a bytes input as byte[].
RegisterMethod("greet", outputs: ["text", "length"], name => AddStage(Greet, name, outputsCount: 2));

// --- Images: the SDK decodes PNG and JPEG (ImageDecoder) and transforms HWC uint8 tensors (ImageTransforms).
RegisterMethod("image_info", outputs: ["shape", "mean"], image => AddStage(ImageInfo, image, outputsCount: 2));

// Parameter and return types: Tensor; arrays of numbers (float[], int[,], ...); number scalars; string, string[];
// byte[]; tuples of these for several outputs.
static (float[] A, float[] B) Scale(float[] x1, float[] x2, float factor)
    => (x1.Select(v => v * factor).ToArray(), x2.Select(v => v * factor).ToArray());

static float Sum(float[] y) => y.Sum();

static Tensor CheckFinite(Tensor x)
    => x.ToArray<float>().All(float.IsFinite) ? x : throw new ArgumentException("x1 has a NaN or an infinity");

Tensor AddThree(Tensor x1, Tensor x2, Tensor x3) => add.Call(add.Call(x1, x2)[0], x3)[0];

static IEnumerable<float[]> Normalize(IReadOnlyList<float[]> batch)
{
    foreach (var x in batch)
    {
        var length = MathF.Sqrt(x.Sum(v => v * v));
        yield return x.Select(v => v / length).ToArray();
    }
}

static (string Text, int Length) Greet(string name) => ($"Hello, {name}!", name.Length);

static (int[] Shape, float Mean) ImageInfo(byte[] image)
{
    var rgb = ImageDecoder.Decode(image, ChannelOrder.Rgb);          // uint8 [height, width, 3]
    var small = rgb.Resize(32, 32).ToFloat32(scale: 1 / 255f);       // float32 [32, 32, 3] in [0, 1]
    return ([.. rgb.Shape.ToArray().Select(d => (int)d)], small.ToArray<float>().Average());
}
