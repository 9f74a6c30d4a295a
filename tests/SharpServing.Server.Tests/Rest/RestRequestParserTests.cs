using System.Text;
using SharpServing.Engine;
using static SharpServing.Server.Tests.Rest.RestParsing;

namespace SharpServing.Server.Tests.Rest;

public sealed class RestRequestParserTests
{
    [Theory]
    [InlineData("{}", 0)]
    [InlineData("[]", 0)]
    [InlineData("5", 0)]
    [InlineData("\"instances\"", 0)]
    [InlineData("[{\"instances\":{\"x\":1}}]", 0)]
    [InlineData("{\"Instances\":{\"x\":1}}", 0)]
    [InlineData("{\"a\":{\"instances\":{\"x\":1}}}", 0)]
    [InlineData("{\"instances\":{\"x\":1},\"instances\":{\"x\":1}}", 2)]
    [InlineData("{\"instances\":[],\"other\":1,\"instances\":5,\"instances\":null}", 3)]
    [InlineData("{\"instan\\u0063es\":{\"x\":1},\"instances\":{\"x\":1}}", 2)]
    public void InstancesKey_MustExistOnce(string json, int count)
    {
        Assert.Equal($"key 'instances' expects to exist once, but actually {count} times", Error(json));
    }

    [Theory]
    [InlineData("{")]
    [InlineData("{\"instances\":[1,]}")]
    [InlineData("{\"instances\":{\"x\":1}} x")]
    [InlineData("{\"instances\":{\"x\":1}}{}")]
    [InlineData("{\"instances\":[], ")]
    [InlineData("{\"instances\":{\"x\":[[1,2],[3]]}, \"y\": tru}")]
    [InlineData("{\"instances\":{\"x\":null}, \"instances\":1, }")]
    [InlineData("{'instances':1}")]
    [InlineData("{\"instances\":{\"x\":1}} // comment")]
    [InlineData("{\"instances\":{\"x\":01}}")]
    [InlineData("{\"instances\":{\"x\":NaN}}")]
    [InlineData(" ")]
    public void MalformedJson_IsIllegalJson_BeforeAnyRequestError(string json)
    {
        var result = Parse(json);

        Assert.Null(result.Error);
        Assert.False(string.IsNullOrEmpty(result.IllegalJsonDetail));
    }

    [Theory]
    [InlineData("{\"instances\":{\"x\":{\"b\\ud800\":\"AAAA\"}}}")]
    [InlineData("{\"instances\":{\"x\":[{\"t\\udc00\":\"str\",\"b64\":\"AAAA\"}]}}")]
    [InlineData("{\"in\\ud800stances\":{\"x\":1}}")]
    public void LoneSurrogateEscapeInAPropertyName_IsIllegalJson(string json)
    {
        var result = Parse(json);

        Assert.Null(result.Error);
        Assert.Matches("^Cannot read (incomplete|invalid) UTF-16 JSON text as string", result.IllegalJsonDetail);
    }

    [Fact]
    public void InvalidLiteral_IsQuotedShort_NotTheWholeBody()
    {
        var literal = "fal" + new string('x', 100_000);

        var detail = Assert.IsType<string>(Parse("{\"instances\":{\"x\":" + literal + "}}").IllegalJsonDetail);

        Assert.Equal($"'{literal[..ErrorQuote.MaxLength]}...' is an invalid JSON literal. Expected the literal 'false'.",
            detail[..(detail.IndexOf(" LineNumber", StringComparison.Ordinal))]);
        Assert.True(detail.Length < 320, detail);
    }

    [Fact]
    public void BinaryBody_IsIllegalJson()
    {
        var result = Parse([0x00, 0x01, 0xFF, 0xFE, 0x7B]);

        Assert.NotNull(result.IllegalJsonDetail);
    }

    [Theory]
    [InlineData(new byte[] { 0xC3, 0x28 })]
    [InlineData(new byte[] { 0xFF })]
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 })]
    public void InvalidUtf8InStringsOrKeys_IsIllegalJson(byte[] bad)
    {
        byte[] Body(string before, string after) => [.. Encoding.UTF8.GetBytes(before), .. bad, .. Encoding.UTF8.GetBytes(after)];

        Assert.NotNull(Parse(Body("{\"instances\":{\"x\":\"", "\"}}")).IllegalJsonDetail);
        Assert.NotNull(Parse(Body("{\"instances\":{\"", "\":1}}")).IllegalJsonDetail);
        Assert.NotNull(Parse(Body("{\"instances\":{\"x\":[\"", "\"]}}")).IllegalJsonDetail);
    }

    [Theory]
    [InlineData("[]", "instances value is array type, but no value")]
    [InlineData("5", "instances no key mode is not supported")]
    [InlineData("\"abc\"", "instances no key mode is not supported")]
    [InlineData("null", "instances no key mode is not supported")]
    [InlineData("true", "instances no key mode is not supported")]
    [InlineData("[1]", "instances no key mode is not supported")]
    [InlineData("[[{\"x\":1}]]", "instances no key mode is not supported")]
    [InlineData("[{\"x\":1}, 2]", "json array, instance is not object type")]
    [InlineData("[{\"x\":1}, [{\"x\":1}]]", "json array, instance is not object type")]
    [InlineData("[{\"x\":1}, {}]", "json array, instance is object type, but no value")]
    [InlineData("[{}]", "json array, instance is object type, but no value")]
    [InlineData("{}", "json object, value is empty")]
    [InlineData("{\"\":1}", "string key is empty")]
    [InlineData("[{\"x\":1}, {\"\":1}]", "string key is empty")]
    [InlineData("{\"x\":null}", "json value is null, it is not supported")]
    [InlineData("[{\"x\":1}, {\"y\":null}, 7]", "json value is null, it is not supported")]
    [InlineData("[{\"x\":null}, 7]", "json value is null, it is not supported")]
    public void InstancesForms_Errors(string instances, string expected)
    {
        Assert.Equal(expected, Error($"{{\"instances\":{instances}}}"));
    }

    [Fact]
    public void InstanceList_KeepsOrderAndKeys_LastDuplicateWins()
    {
        var result = Parse("{\"other\":[1,2],\"instances\":[{\"a\":1,\"b\":2.5},{\"a\":3,\"a\":4,\"c\":\"s\"}]}");

        var instances = result.Instances!;
        Assert.Equal(2, instances.Count);
        Assert.Equal(1, instances[0]["a"].Tensor!.ToScalar<int>());
        Assert.Equal(2.5f, instances[0]["b"].Tensor!.ToScalar<float>());
        Assert.Equal(4, instances[1]["a"].Tensor!.ToScalar<int>());
        Assert.Equal("s", instances[1]["c"].Tensor!.GetString());
        Assert.Equal(["a", "c"], instances[1].Keys.Order());
    }

    [Theory]
    [InlineData("5", 5)]
    [InlineData("-5", -5)]
    [InlineData("0", 0)]
    [InlineData("-0", 0)]
    [InlineData("2147483647", int.MaxValue)]
    [InlineData("2147483648", int.MinValue)]
    [InlineData("4294967297", 1)]
    [InlineData("-2147483649", int.MaxValue)]
    [InlineData("9223372036854775807", -1)]
    [InlineData("18446744073709551615", -1)]
    public void Integer_IsInt32Scalar_Wrapping(string json, int expected)
    {
        var tensor = Value(json);

        Assert.Equal(DataType.Int32, tensor.DataType);
        Assert.Empty(tensor.Dims);
        Assert.Equal(expected, tensor.ToScalar<int>());
    }

    [Theory]
    [InlineData("18446744073709551616")]
    [InlineData("-9223372036854775809")]
    [InlineData("123456789012345678901234567890")]
    public void IntegerBeyond64Bits_IsAnError_NotAWrap(string digits)
    {
        Assert.Equal($"json value, integer {digits} is out of range: integers must fit in 64 bits to be read as int32", ValueError(digits));
        Assert.Equal($"json value, integer {digits} is out of range: integers must fit in 64 bits to be read as int32", ValueError($"[[1,2],[3,{digits}]]"));
    }

    [Fact]
    public void IntegerBeyond64Bits_IsQuotedShort()
    {
        var digits = new string('7', 100_000);

        Assert.Equal($"json value, integer {new string('7', ErrorQuote.MaxLength)}... is out of range: integers must fit in 64 bits to be read as int32",
            ValueError(digits));
    }

    [Theory]
    [InlineData("1e999")]
    [InlineData("-1e999")]
    [InlineData("1e300")]
    [InlineData("3.5e38")]
    public void FloatBeyondFloat32_IsAnError_NotInfinity(string number)
    {
        Assert.Equal($"json value, float {number} is out of the range of float32", ValueError(number));
        Assert.Equal($"json value, float {number} is out of the range of float32", ValueError($"[1.0,{number}]"));
    }

    [Fact]
    public void FloatNearFloat32Limits_IsHeldOrRoundedToZero()
    {
        Assert.Equal(float.MaxValue, Value("3.4028234663852886e38").ToScalar<float>());
        Assert.Equal(0f, Value("1e-60").ToScalar<float>());
    }

    [Fact]
    public void OutOfRangeNumber_InArray_ReportedInWalkOrder()
    {
        // The checked path reports the first problem it meets: here the range error before the kind mismatch.
        Assert.Equal("json value, float 1e999 is out of the range of float32", ValueError("[1e999, true]"));
        Assert.Equal("json array, elements type is not equal", ValueError("[true, 1e999]"));
    }

    [Theory]
    [InlineData("1.5", 1.5f)]
    [InlineData("1.0", 1.0f)]
    [InlineData("1e2", 100f)]
    [InlineData("1E2", 100f)]
    [InlineData("-2.5e-1", -0.25f)]
    [InlineData("3.2", 3.2f)]
    [InlineData("0.1", 0.1f)]
    public void Float_IsFloat32Scalar(string json, float expected)
    {
        var tensor = Value(json);

        Assert.Equal(DataType.Float32, tensor.DataType);
        Assert.Empty(tensor.Dims);
        Assert.Equal(expected, tensor.ToScalar<float>());
    }

    [Fact]
    public void Float_IsParsedAsDoubleThenNarrowed()
    {
        // Just above the midpoint 1 + 2^-24 between two floats: a direct float parse rounds up, but the nearest double
        // is the midpoint itself, which narrows to 1.0 (ties to even), as MindSpore Serving's double → float does.
        Assert.Equal(1.0f, Value("1.000000059604644775390625000001").ToScalar<float>());
    }

    [Fact]
    public void Bool_IsBoolScalar()
    {
        var yes = Value("true");
        var no = Value("false");

        Assert.Equal(DataType.Bool, yes.DataType);
        Assert.Empty(yes.Dims);
        Assert.True(yes.ToScalar<bool>());
        Assert.False(no.ToScalar<bool>());
    }

    [Theory]
    [InlineData("\"abc\"", "abc")]
    [InlineData("\"\"", "")]
    [InlineData("\"a\\u00e9\\n\\\"\"", "aé\n\"")]
    [InlineData("\"\\ud83d\\ude00 中\"", "😀 中")]
    public void String_IsStringScalar(string json, string expected)
    {
        var tensor = Value(json);

        Assert.Equal(DataType.String, tensor.DataType);
        Assert.Empty(tensor.Dims);
        Assert.Equal(Encoding.UTF8.GetBytes(expected), tensor.GetItem().ToArray());
    }

    [Fact]
    public void NestedArrays_TakeShapeAndFirstLeafType()
    {
        var ints = Value("[[1,2,3],[4,5,6]]");
        Assert.Equal(DataType.Int32, ints.DataType);
        Assert.Equal([2L, 3L], ints.Dims);
        Assert.Equal([1, 2, 3, 4, 5, 6], ints.ToArray<int>());

        var floats = Value("[[[1.5],[2.5]]]");
        Assert.Equal(DataType.Float32, floats.DataType);
        Assert.Equal([1L, 2L, 1L], floats.Dims);
        Assert.Equal([1.5f, 2.5f], floats.ToArray<float>());

        var bools = Value("[true,false,true]");
        Assert.Equal(DataType.Bool, bools.DataType);
        Assert.Equal([3L], bools.Dims);
        Assert.Equal([true, false, true], bools.ToArray<bool>());

        var wrapped = Value("[4294967297, -1]");
        Assert.Equal([1, -1], wrapped.ToArray<int>());
    }

    [Fact]
    public void StringAndObjectArrays_HoldOneItem()
    {
        var text = Value("[\"abc\"]");
        Assert.Equal(DataType.String, text.DataType);
        Assert.Equal([1L], text.Dims);
        Assert.Equal("abc", text.GetString());

        var bytes = Value("[{\"b64\":\"QUJD\"}]");
        Assert.Equal(DataType.Bytes, bytes.DataType);
        Assert.Equal([1L], bytes.Dims);
        Assert.Equal("ABC"u8.ToArray(), bytes.GetItem().ToArray());

        var str = Value("[{\"b64\":\"QUJD\",\"type\":\"str\"}]");
        Assert.Equal(DataType.String, str.DataType);
        Assert.Equal("ABC", str.GetString());
    }

    [Fact]
    public void StringArrayOfTwoDims_FailsTheTensorCheck_WithoutPrefix()
    {
        const string detail = "Instance tensor check failed: bytes or string type input  shape can only be (1,) or empty, but given shape is [1, 1]";

        Assert.Equal(detail, Invalid("[[\"abc\"]]"));
        Assert.Equal(detail, Invalid("[[{\"b64\":\"QUJD\"}]]"));
        Assert.Equal(detail, Invalid("{\"b64\":\"QUJD\",\"shape\":[1,1]}"));
        Assert.Equal(detail.Replace("[1, 1]", "[1, 1, 1]"), Invalid("[[[\"a\"]]]"));
    }

    [Theory]
    [InlineData("[]", "json array, shape is empty")]
    [InlineData("[[]]", "json array, data type is unknown")]
    [InlineData("[[[]]]", "json array, data type is unknown")]
    [InlineData("[[], [1]]", "json array, data type is unknown")]
    [InlineData("[null]", "json array, data type is unknown")]
    [InlineData("[[null, 1]]", "json array, data type is unknown")]
    [InlineData("[{\"b64\":\"QUJD\",\"type\":\"bad\"}]", "json array, data type is unknown")]
    [InlineData("[{\"b64\":\"QUJD\",\"type\":5}]", "json array, data type is unknown")]
    [InlineData("[[1.1,1]]", "json array, elements type is not equal")]
    [InlineData("[1, 1.0]", "json array, elements type is not equal")]
    [InlineData("[1, true]", "json array, elements type is not equal")]
    [InlineData("[true, 0]", "json array, elements type is not equal")]
    [InlineData("[1, \"a\"]", "json array, elements type is not equal")]
    [InlineData("[[1,2],[3,4.5]]", "json array, elements type is not equal")]
    [InlineData("[[false,true],[true]]", "invalid json array: json size is 1, the dim 1 expected to be 2")]
    [InlineData("[[1,2],[3,4,5]]", "invalid json array: json size is 3, the dim 1 expected to be 2")]
    [InlineData("[[1],[]]", "invalid json array: json size is 0, the dim 1 expected to be 1")]
    [InlineData("[[1,2],[3,\"x\",4]]", "invalid json array: json size is 3, the dim 1 expected to be 2")]
    [InlineData("[[[1,2]],[[3,4],[5,6]]]", "invalid json array: json size is 2, the dim 1 expected to be 1")]
    [InlineData("[[[1,2],[3,4]],[[5,6],[7]]]", "invalid json array: json size is 1, the dim 2 expected to be 2")]
    [InlineData("[[1,2],3]", "invalid json array: json type is not array")]
    [InlineData("[[1,2],{\"b64\":\"QUJD\"}]", "invalid json array: json type is not array")]
    [InlineData("[[1,2],null]", "invalid json array: json type is not array")]
    [InlineData("[1, null]", "json array, data should be number, bool, string or bytes")]
    [InlineData("[1, [2]]", "json array, data should be number, bool, string or bytes")]
    [InlineData("[[1,2],[3,[4]]]", "json array, data should be number, bool, string or bytes")]
    [InlineData("[1, {\"b64\":\"QUJD\"}]", "json array, data should be number, bool, string or bytes")]
    [InlineData("[\"a\",\"b\"]", "json array, string or bytes type only support one item")]
    [InlineData("[\"a\", 1]", "json array, string or bytes type only support one item")]
    [InlineData("[[\"a\"],[\"b\"]]", "json array, string or bytes type only support one item")]
    [InlineData("[{\"b64\":\"QUJD\"},{\"b64\":\"QUJD\"}]", "json array, string or bytes type only support one item")]
    [InlineData("[{\"b64\":\"AQAAAA==\",\"type\":\"int32\"}]", "json array, object type only support string or bytes type")]
    [InlineData("[{\"b64\":\"!\",\"type\":\"int32\"},{}]", "json array, object type only support string or bytes type")]
    [InlineData("[{\"b64\":\"QUJ\"}]", "'QUJ' is illegal b64 encode string")]
    [InlineData("[{\"b64\":\"QUJD\",\"x\":1}]", "json object, key is not ['b64', 'type', 'shape'], fail key:x")]
    public void ArrayErrors(string value, string expected)
    {
        Assert.Equal(expected, ValueError(value));
    }

    [Fact]
    public void SpecExamples_Section10Item29()
    {
        Assert.Equal("instances value is array type, but no value", Error("{\"instances\":[]}"));
        Assert.Equal("json array, elements type is not equal", Error("{\"instances\":{\"x1\":[[1.1,1]]}}"));
        Assert.Equal("invalid json array: json size is 1, the dim 1 expected to be 2", ValueError("[[false,true],[true]]"));
        Assert.Equal("json array, string or bytes type only support one item", ValueError("[\"a\",\"b\"]"));
    }

    [Fact]
    public void FirstErrorInInstanceOrder_Wins()
    {
        Assert.Equal("json value is null, it is not supported", Error("{\"instances\":{\"a\":null,\"b\":[]}}"));
        Assert.Equal("json array, shape is empty", Error("{\"instances\":{\"b\":[],\"a\":null}}"));
    }

    [Fact]
    public void DeepNesting_WithinLimit_Parses()
    {
        var json = new string('[', 100) + "1" + new string(']', 100);
        var tensor = Value(json);

        Assert.Equal(100, tensor.Rank);
        Assert.Equal(1, tensor.ToScalar<int>());
    }
}
