// swift-tools-version:6.0
import PackageDescription

/// dcmtk libraries the shim calls directly. Listed by name rather than through pkg-config
/// because Debian 12's `dcmtk.pc` names `sndfile` in Requires.private, which breaks
/// `pkg-config --cflags dcmtk` on machines without libsndfile-dev.
let dcmtkLibraries = ["dcmjpls", "dcmjpeg", "dcmimgle", "dcmdata", "oflog", "ofstd"]

/// Numeric modules are optimised in debug builds too: unoptimised Swift runs pixel and tensor
/// loops 10-50x slower, which would make every simulated exam in the test suite take seconds.
/// Debug builds keep assertions and testability; only the optimiser is switched on.
let optimisedInDebug: [SwiftSetting] = [.unsafeFlags(["-O"], .when(configuration: .debug))]
let optimisedCInDebug: [CSetting] = [.unsafeFlags(["-O2"], .when(configuration: .debug))]

let package = Package(
    name: "lgeqa",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "lgeqa", targets: ["lgeqa"]),
        .library(name: "LGEDICOM", targets: ["LGEDICOM"]),
        .library(name: "LGESession", targets: ["LGESession"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/yaslab/CSV.swift", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
    ],
    targets: [
        // Native engines.
        .target(
            name: "CDCMTKShim",
            cxxSettings: [.unsafeFlags(["-std=c++17"])],
            linkerSettings: dcmtkLibraries.map { .linkedLibrary($0) }
        ),
        .systemLibrary(
            name: "CFFTW",
            pkgConfig: "fftw3f",
            providers: [.apt(["libfftw3-dev"])]
        ),
        .systemLibrary(
            name: "CPNG",
            pkgConfig: "libpng",
            providers: [.apt(["libpng-dev"])]
        ),
        .systemLibrary(
            name: "COpenBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),

        // Imaging: DICOM in and out, slices, series and sessions.
        .target(name: "LGEDICOM", dependencies: ["CDCMTKShim", "CPNG"]),
        .target(
            name: "LGESession",
            dependencies: [
                "LGEDICOM",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // Seedable randomness shared by simulation, training and evaluation.
        .target(name: "LGERandom"),
        // Image primitives shared by preprocessing, quality metrics and the simulator.
        .target(name: "LGEImageAnalysis", swiftSettings: optimisedInDebug),

        // Simulation: tissue and sequence physics.
        .target(name: "LGEPhysics", swiftSettings: optimisedInDebug),
        // Simulation: the analytic heart.
        .target(name: "LGEPhantom", dependencies: ["LGEDICOM", "LGESession", "LGEPhysics"], swiftSettings: optimisedInDebug),
        // Simulation: k-space acquisition, artifacts, exam sessions, readers, scenarios.
        .target(
            name: "LGESimulator",
            dependencies: [
                "LGEDICOM", "LGESession", "LGEPhysics", "LGEPhantom", "LGERandom", "CFFTW", "LGEYAML", "LGEImageAnalysis",
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: optimisedInDebug
        ),

        // Classifier: the network engine on OpenBLAS, and the image work around it.
        .target(name: "CLGEKernels", cSettings: optimisedCInDebug),
        .target(name: "LGENeural", dependencies: ["COpenBLAS", "CLGEKernels", "LGERandom"], swiftSettings: optimisedInDebug),
        .target(name: "LGEPreprocessing", dependencies: ["LGEDICOM", "LGEImageAnalysis", "LGERandom"], swiftSettings: optimisedInDebug),
        .target(name: "LGEQualityMetrics", dependencies: ["LGEDICOM", "LGEImageAnalysis"], swiftSettings: optimisedInDebug),
        // Evaluation: the paper's metrics with patient-level intervals, calibration.
        .target(name: "LGEEvaluation", dependencies: ["LGERandom"]),
        // The classifier: model file, inference, training recipe, calibration.
        .target(
            name: "LGEClassifier",
            dependencies: ["LGENeural", "LGEPreprocessing", "LGEDatasets", "LGEDICOM", "LGERandom", "LGEEvaluation"]
        ),
        // ONNX export: the protobuf messages (generated once from onnx.proto, committed) and the exporter.
        .target(name: "ONNXProto", dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf")]),
        .target(
            name: "LGEONNX",
            dependencies: ["ONNXProto", "LGENeural", "LGEClassifier", .product(name: "SwiftProtobuf", package: "swift-protobuf")]
        ),
        // Training and evaluation data: EMIDEC, simulator cohorts, patient-level splits.
        .target(
            name: "LGEDatasets",
            dependencies: ["LGEDICOM", "LGERandom", "LGEEvaluation", .product(name: "CSV", package: "CSV.swift")]
        ),
        // Audit: avoided recalls with honest intervals, historical archives, estimator validation.
        .target(name: "LGEAudit", dependencies: ["LGEDatasets", "LGEEvaluation", "LGERandom", "LGEDICOM", "LGEProtocol", "LGEReplay", "LGESimulator"]),

        // Strict, positioned YAML reading shared by scenarios and protocols.
        .target(name: "LGEYAML", dependencies: [.product(name: "Yams", package: "Yams")]),
        // Protocols: rules that turn a slice's assessment into a recommended next action.
        .target(name: "LGEProtocol", dependencies: ["LGEYAML", "LGESession"]),
        // Replay: slices from a scenario, a recording (later a DICOM node) through classifier and protocol, as events.
        .target(
            name: "LGEReplay",
            dependencies: [
                "LGEDICOM", "LGESession", "LGESimulator", "LGEProtocol", "LGEClassifier", "LGEQualityMetrics", "LGEImageAnalysis",
                "LGEDatasets",
            ]
        ),

        // The command line.
        .executableTarget(
            name: "lgeqa",
            dependencies: [
                "LGEDICOM",
                "LGESession",
                "LGESimulator",
                "LGEProtocol",
                "LGEReplay",
                "LGEClassifier",
                "LGEDatasets",
                "LGEEvaluation",
                "LGEAudit",
                "LGENeural",
                "LGEPreprocessing",
                "LGEONNX",
                "LGEQualityMetrics",
                "LGERandom",
                "COpenBLAS",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // Benchmarks (run with `make bench`; never part of the test suite).
        .executableTarget(
            name: "lgeqa-bench",
            dependencies: [
                "LGEDICOM",
                "LGESession",
                "LGEPhysics",
                "LGEPhantom",
                "LGESimulator",
                "LGEProtocol",
                "LGEReplay",
                "LGEClassifier",
                "LGEAudit",
                "LGENeural",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Benchmarks/lgeqa-bench",
            exclude: ["pydicom_read.py"],
            // main.swift holds the @main command; with benchmarks in other files it must not be top-level code.
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        ),

        // Shared by the test targets: where the data and the Python test peers are.
        .target(name: "LGETestSupport", dependencies: ["LGEDICOM"], path: "Tests/LGETestSupport"),
        .testTarget(name: "LGEDICOMTests", dependencies: ["LGEDICOM", "LGETestSupport"]),
        .testTarget(name: "LGESessionTests", dependencies: ["LGESession", "LGEDICOM"]),
        .testTarget(name: "LGEPhysicsTests", dependencies: ["LGEPhysics"]),
        .testTarget(name: "LGEPhantomTests", dependencies: ["LGEPhantom"]),
        .testTarget(name: "LGESimulatorTests", dependencies: ["LGESimulator", "LGERandom", "LGETestSupport"]),
        .testTarget(name: "LGENeuralTests", dependencies: ["LGENeural", "LGERandom"]),
        .testTarget(name: "LGEClassifierTests", dependencies: ["LGEClassifier", "LGENeural", "LGEDatasets", "LGEDICOM", "LGEPreprocessing", "LGEEvaluation"]),
        .testTarget(name: "LGEONNXTests", dependencies: ["LGEONNX", "LGEClassifier", "LGENeural", "LGEDatasets", "LGERandom", "LGETestSupport"]),
        .testTarget(name: "LGEEvaluationTests", dependencies: ["LGEEvaluation", "LGERandom"]),
        .testTarget(name: "LGEDatasetsTests", dependencies: ["LGEDatasets", "LGETestSupport", "LGESimulator"]),
        .testTarget(name: "LGEAuditTests", dependencies: ["LGEAudit", "LGEEvaluation", "LGERandom", "LGEProtocol", "LGEReplay", "LGESession", "LGETestSupport"]),
        .testTarget(name: "LGEPreprocessingTests", dependencies: ["LGEPreprocessing", "LGEDICOM", "LGERandom"]),
        .testTarget(name: "LGEQualityMetricsTests", dependencies: ["LGEQualityMetrics", "LGEDICOM", "LGESimulator", "LGEImageAnalysis"]),
        .testTarget(name: "LGEImageAnalysisTests", dependencies: ["LGEImageAnalysis"]),
        .testTarget(name: "LGEYAMLTests", dependencies: ["LGEYAML"]),
        .testTarget(name: "LGEProtocolTests", dependencies: ["LGEProtocol", "LGESession"]),
        .testTarget(
            name: "LGEReplayTests",
            dependencies: ["LGEReplay", "LGEProtocol", "LGESimulator", "LGEDICOM", "LGESession", "LGEClassifier", "LGENeural", "LGEPreprocessing", "LGETestSupport"]
        ),
        .testTarget(name: "LGEQACommandTests", dependencies: ["LGEDICOM", "LGESession", "LGETestSupport", "LGEClassifier", "LGENeural", "LGEPreprocessing", "LGESimulator"]),
    ],
    cxxLanguageStandard: .cxx17
)
