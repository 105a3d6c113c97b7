import Foundation
import LGEClassifier
import LGENeural
import ONNXProto
import SwiftProtobuf

/// Writes an lgeqa network as an ONNX model (opset 17), for other runtimes and for checking lgeqa's
/// engine against ONNX Runtime.
///
/// The graph is the inference function `SliceClassifier` runs after preprocessing:
/// - input `image`: float32 [N, C, H, W], the preprocessed slice (C = 1, H = W = the card's output size);
/// - output `logits`: float32 [N, heads], the raw logits;
/// - output `probabilities`: float32 [N, heads], sigmoid(logit / T + offset) with the card's per-head
///   temperature and calibration offset (when it has offsets), which is what `lgeqa classify` reports.
///
/// BatchNorm is folded into the convolutions (as lgeqa's own inference does); SiLU is `x · Sigmoid(x)`
/// (opset 17 has no SiLU operator); dropout and stochastic depth are identities at inference and are left
/// out. Head names, temperatures, calibration offsets and the model card's version and licence go into `metadata_props`.
public enum ONNXExport {
    /// The ONNX operator set the graph uses.
    public static let opset: Int64 = 17
    /// ONNX IR version 8 is the one that goes with opset 17.
    public static let irVersion: Int64 = 8

    public static let inputName = "image"
    public static let logitsName = "logits"
    public static let probabilitiesName = "probabilities"

    /// The ONNX model of a model file's network and card.
    public static func model(card: ModelCard, network: Network) -> Onnx_ModelProto {
        let folded = network.isFolded ? network : network.foldedForInference()
        let size = card.preprocessing.outputSize
        var graph = GraphBuilder(name: "lgeqa_\(card.modelVersion)")
        graph.addInput(inputName, dims: [.symbolic("N"), .fixed(folded.configuration.inputChannels), .fixed(size), .fixed(size)])

        var x = graph.convUnit(folded.stem, input: inputName, name: "stem")
        for (s, blocks) in folded.stages.enumerated() {
            for (b, block) in blocks.enumerated() {
                let name = "stages.\(s).blocks.\(b)"
                if let fused = block.fused {
                    x = graph.fusedMBConv(fused, input: x, name: name)
                } else if let mb = block.mb {
                    x = graph.mbConv(mb, input: x, name: name)
                }
            }
        }
        x = graph.convUnit(folded.head, input: x, name: "head")
        x = graph.node("GlobalAveragePool", [x], name: "pool")
        x = graph.node("Flatten", [x], name: "flatten", attributes: [.int("axis", 1)])
        let logits = graph.dense(folded.classifier, input: x, name: "classifier", output: logitsName)
        let temperatures = graph.initializer("temperatures", shape: [card.temperatures.count],
                                             values: card.temperatures.map { Float($0) })
        var scaled = graph.node("Div", [logits, temperatures], name: "calibration")
        if let offsets = card.calibrationOffsets {
            let offsetValues = graph.initializer("calibration_offsets", shape: [offsets.count], values: offsets.map { Float($0) })
            scaled = graph.node("Add", [scaled, offsetValues], name: "calibration_offset")
        }
        graph.node("Sigmoid", [scaled], name: "sigmoid", output: probabilitiesName)
        let heads = folded.configuration.outputs
        graph.addOutput(logitsName, dims: [.symbolic("N"), .fixed(heads)])
        graph.addOutput(probabilitiesName, dims: [.symbolic("N"), .fixed(heads)])

        var model = Onnx_ModelProto()
        model.irVersion = irVersion
        model.producerName = "lgeqa"
        model.producerVersion = card.modelVersion
        model.domain = "org.lgeqa"
        model.modelVersion = 1
        model.docString = "lgeqa LGE slice classifier. Input: preprocessed slice [N, 1, \(size), \(size)]. "
            + "Outputs: logits and calibrated sigmoid probabilities (logit / T + offset) per head (\(card.heads.map(\.rawValue).joined(separator: ", "))). "
            + card.intendedUse
        var operatorSet = Onnx_OperatorSetIdProto()
        operatorSet.domain = ""
        operatorSet.version = opset
        model.opsetImport = [operatorSet]
        model.graph = graph.graph
        let metadata: [(String, String)] = [
            ("heads", card.heads.map(\.rawValue).joined(separator: ",")),
            ("temperatures", card.temperatures.map { "\($0)" }.joined(separator: ",")),
            ("calibration_offsets", card.calibrations.map { "\($0.offset)" }.joined(separator: ",")),
            ("low_certainty_threshold", "\(card.lowCertaintyThreshold)"),
            ("model_version", card.modelVersion),
            ("licence", card.licence),
            ("intended_use", card.intendedUse),
            ("preprocessing", "lgeqa SlicePreprocessor: \(size)x\(size) at \(card.preprocessing.targetPixelSpacing) mm, phase encode \(card.preprocessing.phaseEncodeAlignment.rawValue)"),
        ]
        model.metadataProps = metadata.map { key, value in
            var entry = Onnx_StringStringEntryProto()
            entry.key = key
            entry.value = value
            return entry
        }
        return model
    }

    /// The serialized ONNX model (protobuf wire format).
    public static func serialized(card: ModelCard, network: Network) throws(ONNXExportError) -> Data {
        do {
            return try model(card: card, network: network).serializedData()
        } catch {
            throw .encoding(String(describing: error))
        }
    }

    /// Writes the model to `path`; the folder must exist.
    public static func write(card: ModelCard, network: Network, to path: String) throws(ONNXExportError) {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent()
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw .missingDirectory(path: path, directory: folder.path)
        }
        let data = try serialized(card: card, network: network)
        do { try data.write(to: url, options: .atomic) } catch {
            throw .unwritable(path: path, reason: error.localizedDescription)
        }
    }
}

/// Why an ONNX model could not be written.
public enum ONNXExportError: Error, Sendable, Hashable, CustomStringConvertible {
    case missingDirectory(path: String, directory: String)
    case unwritable(path: String, reason: String)
    case encoding(String)

    public var description: String {
        switch self {
        case let .missingDirectory(path, directory):
            "\(path): cannot write the ONNX model: the folder \(directory) does not exist (create it first, or give --out a path in an existing folder)"
        case let .unwritable(path, reason): "\(path): cannot write the ONNX model: \(reason)"
        case .encoding(let reason): "cannot encode the ONNX model: \(reason)"
        }
    }
}

/// One dimension of a graph input or output.
enum Dimension {
    case fixed(Int)
    case symbolic(String)
}

/// An attribute of a node.
enum Attribute {
    case int(String, Int)
    case ints(String, [Int])

    var proto: Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        switch self {
        case let .int(name, value):
            a.name = name
            a.type = .int
            a.i = Int64(value)
        case let .ints(name, values):
            a.name = name
            a.type = .ints
            a.ints = values.map(Int64.init)
        }
        return a
    }
}

/// Builds a graph node by node, with initializers named after lgeqa's parameter names.
struct GraphBuilder {
    private(set) var graph = Onnx_GraphProto()
    private var used: Set<String> = []

    init(name: String) { graph.name = name }

    private static func valueInfo(_ name: String, dims: [Dimension]) -> Onnx_ValueInfoProto {
        var shape = Onnx_TensorShapeProto()
        shape.dim = dims.map { d in
            var dim = Onnx_TensorShapeProto.Dimension()
            switch d {
            case .fixed(let v): dim.dimValue = Int64(v)
            case .symbolic(let s): dim.dimParam = s
            }
            return dim
        }
        var tensor = Onnx_TypeProto.Tensor()
        tensor.elemType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        tensor.shape = shape
        var type = Onnx_TypeProto()
        type.tensorType = tensor
        var info = Onnx_ValueInfoProto()
        info.name = name
        info.type = type
        return info
    }

    mutating func addInput(_ name: String, dims: [Dimension]) {
        used.insert(name)
        graph.input.append(Self.valueInfo(name, dims: dims))
    }

    mutating func addOutput(_ name: String, dims: [Dimension]) {
        graph.output.append(Self.valueInfo(name, dims: dims))
    }

    /// A name not yet used in the graph.
    private mutating func unique(_ base: String) -> String {
        var name = base, i = 1
        while used.contains(name) {
            name = "\(base)_\(i)"
            i += 1
        }
        used.insert(name)
        return name
    }

    /// A float32 constant, stored little-endian in `raw_data`.
    mutating func initializer(_ name: String, shape: [Int], values: [Float]) -> String {
        precondition(shape.reduce(1, *) == values.count, "initializer \(name): shape \(shape) for \(values.count) values")
        var t = Onnx_TensorProto()
        t.name = unique(name)
        t.dims = shape.map(Int64.init)
        t.dataType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        var raw = Data(capacity: values.count * 4)
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { raw.append(contentsOf: $0) } }
        t.rawData = raw
        graph.initializer.append(t)
        return t.name
    }

    /// Appends a node and returns the name of its (single) output.
    @discardableResult
    mutating func node(_ op: String, _ inputs: [String], name: String, output: String? = nil, attributes: [Attribute] = []) -> String {
        var n = Onnx_NodeProto()
        n.opType = op
        n.name = unique("\(name)/\(op)")
        n.input = inputs
        let out = output.map { o -> String in used.insert(o); return o } ?? unique("\(name).\(op.lowercased())")
        n.output = [out]
        n.attribute = attributes.map(\.proto)
        graph.node.append(n)
        return out
    }

    /// SiLU as x · sigmoid(x).
    mutating func silu(_ x: String, name: String) -> String {
        let s = node("Sigmoid", [x], name: name)
        return node("Mul", [x, s], name: name + ".silu")
    }

    mutating func conv(_ conv: Conv2D, input: String, name: String) -> String {
        let k = conv.kernelSize, p = k / 2
        let w = initializer(name + ".weight", shape: conv.weight.shape, values: conv.weight.values)
        var inputs = [input, w]
        if let bias = conv.bias { inputs.append(initializer(name + ".bias", shape: bias.shape, values: bias.values)) }
        return node("Conv", inputs, name: name, attributes: [
            .ints("kernel_shape", [k, k]), .ints("strides", [conv.stride, conv.stride]), .ints("pads", [p, p, p, p]),
        ])
    }

    mutating func convUnit(_ unit: ConvUnit, input: String, name: String) -> String {
        precondition(unit.batchNorm == nil, "export folds BatchNorm first")
        let y = conv(unit.conv, input: input, name: name + ".conv")
        return unit.activated ? silu(y, name: name) : y
    }

    mutating func fusedMBConv(_ block: FusedMBConv, input: String, name: String) -> String {
        var x = convUnit(block.expand, input: input, name: name + (block.project == nil ? ".conv" : ".expand"))
        if let project = block.project { x = convUnit(project, input: x, name: name + ".project") }
        return block.usesResidual ? node("Add", [x, input], name: name + ".residual") : x
    }

    mutating func mbConv(_ block: MBConv, input: String, name: String) -> String {
        precondition(block.depthwiseBatchNorm == nil, "export folds BatchNorm first")
        var x = input
        if let expand = block.expand { x = convUnit(expand, input: x, name: name + ".expand") }
        let dw = block.depthwise, k = dw.kernelSize, p = k / 2
        let w = initializer(name + ".depthwise.conv.weight", shape: dw.weight.shape, values: dw.weight.values)
        var inputs = [x, w]
        if let bias = dw.bias { inputs.append(initializer(name + ".depthwise.conv.bias", shape: bias.shape, values: bias.values)) }
        x = node("Conv", inputs, name: name + ".depthwise", attributes: [
            .int("group", dw.channels), .ints("kernel_shape", [k, k]), .ints("strides", [dw.stride, dw.stride]),
            .ints("pads", [p, p, p, p]),
        ])
        x = silu(x, name: name + ".depthwise")
        if let se = block.squeezeExcitation { x = squeezeExcitation(se, input: x, name: name + ".se") }
        x = convUnit(block.project, input: x, name: name + ".project")
        return block.usesResidual ? node("Add", [x, input], name: name + ".residual") : x
    }

    /// Pool → 1×1 conv → SiLU → 1×1 conv → sigmoid → channel scale; the dense layers become 1×1 convolutions.
    mutating func squeezeExcitation(_ se: SqueezeExcitation, input: String, name: String) -> String {
        var g = node("GlobalAveragePool", [input], name: name + ".pool")
        g = pointwise(se.reduce, input: g, name: name + ".reduce")
        g = silu(g, name: name + ".reduce")
        g = pointwise(se.expand, input: g, name: name + ".expand")
        g = node("Sigmoid", [g], name: name + ".gate")
        return node("Mul", [input, g], name: name + ".scale")
    }

    /// A dense layer applied to [N, C, 1, 1] as a 1×1 convolution.
    mutating func pointwise(_ dense: Dense, input: String, name: String) -> String {
        let w = initializer(name + ".weight", shape: [dense.outputFeatures, dense.inputFeatures, 1, 1], values: dense.weight.values)
        let b = initializer(name + ".bias", shape: [dense.outputFeatures], values: dense.bias.values)
        return node("Conv", [input, w, b], name: name, attributes: [.ints("kernel_shape", [1, 1])])
    }

    /// y = x · Wᵀ + b as Gemm.
    mutating func dense(_ dense: Dense, input: String, name: String, output: String) -> String {
        let w = initializer(name + ".weight", shape: dense.weight.shape, values: dense.weight.values)
        let b = initializer(name + ".bias", shape: dense.bias.shape, values: dense.bias.values)
        return node("Gemm", [input, w, b], name: name, output: output, attributes: [.int("transB", 1)])
    }
}
