namespace SharpServing.ModelFixtures;

/// <summary>
/// Small ONNX models for tests and examples, as serialized bytes. Every model uses IR version 8 and ai.onnx opset 13
/// (StringNormalizer: opset 10 semantics, still current in 13).
/// </summary>
public static class ModelFixtures
{
    /// <summary>The data types <see cref="Identity(DataType)"/> is offered for in the catalog (every ONNX type SharpServing holds).</summary>
    public static IReadOnlyList<DataType> IdentityTypes { get; } =
    [
        DataType.Bool, DataType.Int8, DataType.UInt8, DataType.Int16, DataType.UInt16, DataType.Int32, DataType.UInt32,
        DataType.Int64, DataType.UInt64, DataType.Float16, DataType.Float32, DataType.Float64, DataType.String,
    ];

    /// <summary>Named models, as the CLI lists and writes them.</summary>
    public static IReadOnlyList<Fixture> Catalog { get; } =
    [
        new("add", "tensor_add.onnx: y = x1 + x2, float32 [2, 2] (MindSpore Serving's first example)", () => TensorAdd()),
        new("add-dynamic", "y = x1 + x2, float32 [batch, 2]", () => AddDynamicBatch(2)),
        new("matmul", "y = a @ b, float32 [2, 3] @ [3, 4]", () => MatMul(2, 3, 4)),
        new("cast", "y = int32(x), float32 [batch, 3] -> int32", () => Cast(DataType.Float32, DataType.Int32)),
        new("scale", "y = x * s: x float32 [batch, 2], s a float32 scalar (an input without a batch dim)", () => ScaleByScalar()),
        new("multi-io", "sum = a + b, product = a * b: float32 [batch, 2] twice in, twice out", () => SumAndProduct()),
        new("dense", "y = x @ W: x float32 [batch, 1024], W a 1024x256 float32 initializer (1 MiB of weights)", () => Dense(1024, 256)),
        new("string-upper", "y = upper(x), string [n]", () => StringUpper()),
        new("slow", "y = x @ x @ ... @ x: 200 chained matmuls of float32 [n, n] (slow for a big n)", () => MatMulChain(200)),
        .. IdentityTypes.Select(t => new Fixture($"identity-{t.ToString().ToLowerInvariant()}", $"y = x, {t} [n, m]", () => Identity(t))),
    ];

    /// <summary>MindSpore Serving's <c>tensor_add.onnx</c>: <c>y = x1 + x2</c>, float32 [2, 2].</summary>
    public static byte[] TensorAdd() => Add(2, 2);

    /// <summary><c>y = x1 + x2</c>, float32, of a fixed <paramref name="shape"/>.</summary>
    public static byte[] Add(params long[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var dims = shape.Select(d => (Dimension)d).ToArray();
        return new OnnxModelBuilder("tensor_add")
            .Input("x1", DataType.Float32, dims).Input("x2", DataType.Float32, dims)
            .Node("Add", ["x1", "x2"], ["y"])
            .Output("y", DataType.Float32, dims)
            .ToBytes();
    }

    /// <summary><c>y = x1 + x2</c>, float32 of shape <c>["batch", ..innerDims]</c>: a dynamic batch dimension.</summary>
    public static byte[] AddDynamicBatch(params long[] innerDims)
    {
        ArgumentNullException.ThrowIfNull(innerDims);
        Dimension[] dims = ["batch", .. innerDims.Select(d => (Dimension)d)];
        return new OnnxModelBuilder("add_dynamic")
            .Input("x1", DataType.Float32, dims).Input("x2", DataType.Float32, dims)
            .Node("Add", ["x1", "x2"], ["y"])
            .Output("y", DataType.Float32, dims)
            .ToBytes();
    }

    /// <summary><c>y = a @ b</c>: float32 [m, k] @ [k, n] → [m, n].</summary>
    public static byte[] MatMul(long m, long k, long n)
        => new OnnxModelBuilder("matmul")
            .Input("a", DataType.Float32, m, k).Input("b", DataType.Float32, k, n)
            .Node("MatMul", ["a", "b"], ["y"])
            .Output("y", DataType.Float32, m, n)
            .ToBytes();

    /// <summary><c>y = Cast(x)</c> from <paramref name="from"/> to <paramref name="to"/>, shape <c>["batch", 3]</c>.</summary>
    public static byte[] Cast(DataType from, DataType to)
        => new OnnxModelBuilder("cast")
            .Input("x", from, "batch", 3)
            .Node("Cast", ["x"], ["y"], OnnxModelBuilder.Attribute("to", (long)OnnxTensors.ElementType(to)))
            .Output("y", to, "batch", 3)
            .ToBytes();

    /// <summary><c>y = x</c> for any data type, shape <c>["n", "m"]</c> (both dims dynamic).</summary>
    public static byte[] Identity(DataType type) => Identity(type, "n", "m");

    /// <summary><c>y = x</c> for any data type and declared shape.</summary>
    public static byte[] Identity(DataType type, params Dimension[] shape)
        => new OnnxModelBuilder("identity")
            .Input("x", type, shape)
            .Node("Identity", ["x"], ["y"])
            .Output("y", type, shape)
            .ToBytes();

    /// <summary><c>y = x * s</c>: <c>x</c> float32 <c>["batch", 2]</c>, <c>s</c> a float32 scalar (no batch dim).</summary>
    public static byte[] ScaleByScalar()
        => new OnnxModelBuilder("scale")
            .Input("x", DataType.Float32, "batch", 2).Input("s", DataType.Float32)
            .Node("Mul", ["x", "s"], ["y"])
            .Output("y", DataType.Float32, "batch", 2)
            .ToBytes();

    /// <summary><c>sum = a + b</c> and <c>product = a * b</c>, float32 <c>["batch", 2]</c>.</summary>
    public static byte[] SumAndProduct()
        => new OnnxModelBuilder("sum_and_product")
            .Input("a", DataType.Float32, "batch", 2).Input("b", DataType.Float32, "batch", 2)
            .Node("Add", ["a", "b"], ["sum"])
            .Node("Mul", ["a", "b"], ["product"])
            .Output("sum", DataType.Float32, "batch", 2).Output("product", DataType.Float32, "batch", 2)
            .ToBytes();

    /// <summary>
    /// A dense layer <c>y = x @ W</c>: x float32 <c>["batch", inputs]</c>, W a float32 [inputs, outputs] initializer
    /// with fixed values <c>W[i, j] = ((i * 31 + j * 17) % 11 - 5) / 100</c> (a model that carries weights).
    /// </summary>
    public static byte[] Dense(int inputs, int outputs)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inputs, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outputs, 1);
        var weights = new float[inputs * outputs];
        for (var i = 0; i < inputs; i++)
        {
            for (var j = 0; j < outputs; j++)
            {
                weights[(i * outputs) + j] = DenseWeight(i, j);
            }
        }
        return new OnnxModelBuilder("dense")
            .Input("x", DataType.Float32, "batch", inputs)
            .Initializer("W", Tensor.Create(weights, inputs, outputs))
            .Node("MatMul", ["x", "W"], ["y"])
            .Output("y", DataType.Float32, "batch", outputs)
            .ToBytes();
    }

    /// <summary>The weight <see cref="Dense"/> puts at row <paramref name="i"/>, column <paramref name="j"/>.</summary>
    public static float DenseWeight(int i, int j) => (((i * 31) + (j * 17)) % 11 - 5) / 100f;

    /// <summary><c>y = upper(x)</c> over a 1-d string tensor (ONNX StringNormalizer; needs the en_US.UTF-8 locale).</summary>
    public static byte[] StringUpper()
        => new OnnxModelBuilder("string_upper")
            .Input("x", DataType.String, "n")
            .Node("StringNormalizer", ["x"], ["y"], OnnxModelBuilder.Attribute("case_change_action", "UPPER"))
            .Output("y", DataType.String, "n")
            .ToBytes();

    /// <summary>
    /// <paramref name="count"/> chained matmuls of a float32 square input with itself (<c>y = x @ x @ ... @ x</c>,
    /// x of shape <c>["n", "n"]</c>): about <c>2·n³·count</c> flops in <paramref name="count"/> separate nodes, so a run
    /// with a big input takes a while and can be stopped between nodes, while a small input runs at once.
    /// </summary>
    public static byte[] MatMulChain(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var builder = new OnnxModelBuilder("matmul_chain").Input("x", DataType.Float32, "n", "n");
        var previous = "x";
        for (var i = 0; i < count; i++)
        {
            var next = i == count - 1 ? "y" : $"t{i}";
            builder.Node("MatMul", [previous, "x"], [next]);
            previous = next;
        }
        return builder.Output("y", DataType.Float32, "n", "n").ToBytes();
    }

    /// <summary>Writes <paramref name="model"/> to <paramref name="path"/>, creating the folder.</summary>
    public static void WriteTo(string path, byte[] model)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(model);
        var folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder);
        }
        File.WriteAllBytes(path, model);
    }

    /// <summary>The catalog entry called <paramref name="name"/>, or null.</summary>
    public static Fixture? Find(string name) => Catalog.FirstOrDefault(f => string.Equals(f.Name, name, StringComparison.Ordinal));
}
