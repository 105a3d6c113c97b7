// swift-tools-version:6.0
import PackageDescription

/// dcmtk libraries the shim calls directly. Listed by name rather than through pkg-config
/// because Debian 12's `dcmtk.pc` names `sndfile` in Requires.private, which breaks
/// `pkg-config --cflags dcmtk` on machines without libsndfile-dev.
let dcmtkLibraries = ["dcmjpls", "dcmjpeg", "dcmimgle", "dcmdata", "oflog", "ofstd"]

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
            name: "COpenBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),

        // Imaging: DICOM in and out, slices, series and sessions.
        .target(name: "LGEDICOM", dependencies: ["CDCMTKShim"]),
        .target(
            name: "LGESession",
            dependencies: [
                "LGEDICOM",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // Simulation: tissue and sequence physics.
        .target(name: "LGEPhysics"),
        // Simulation: the analytic heart.
        .target(name: "LGEPhantom", dependencies: ["LGEDICOM", "LGESession", "LGEPhysics"]),
        // Simulation: k-space acquisition, artifacts, exam sessions, readers, scenarios.
        .target(
            name: "LGESimulator",
            dependencies: [
                "LGEDICOM", "LGESession", "LGEPhysics", "LGEPhantom", "CFFTW",
                .product(name: "Yams", package: "Yams"),
            ]
        ),

        // The command line.
        .executableTarget(
            name: "lgeqa",
            dependencies: [
                "LGEDICOM",
                "LGESession",
                "LGESimulator",
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
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Benchmarks/lgeqa-bench",
            exclude: ["pydicom_read.py"]
        ),

        // Shared by the test targets: where the data and the Python test peers are.
        .target(name: "LGETestSupport", dependencies: ["LGEDICOM"], path: "Tests/LGETestSupport"),
        .testTarget(name: "LGEDICOMTests", dependencies: ["LGEDICOM", "LGETestSupport"]),
        .testTarget(name: "LGESessionTests", dependencies: ["LGESession", "LGEDICOM"]),
        .testTarget(name: "LGEPhysicsTests", dependencies: ["LGEPhysics"]),
        .testTarget(name: "LGEPhantomTests", dependencies: ["LGEPhantom"]),
        .testTarget(name: "LGESimulatorTests", dependencies: ["LGESimulator", "LGETestSupport"]),
        .testTarget(name: "LGEQACommandTests", dependencies: ["LGEDICOM", "LGESession", "LGETestSupport"]),
    ],
    cxxLanguageStandard: .cxx17
)
