import Foundation
import LGEDICOM
import LGEProtocol
import LGETestSupport
import Testing

@testable import LGEReplay

/// What `lgeqa replay --ask` and `--images` are built on: reading a trainee's answers, scoring
/// them, and writing the images to look at.
@Suite struct TraineeTests {
    func expert(_ action: String, delta: Double? = nil, slice: Int = 1) -> ExpertActionEvent {
        ExpertActionEvent(slice: slice, action: action, description: action, deltaMS: delta, why: "", protocolAgrees: false, protocolActions: [])
    }

    @Test func answersAreReadLooselyAndUnknownOnesRefused() {
        #expect(TraineeChoice(answer: "") == .nothing)
        #expect(TraineeChoice(answer: "  T+ ") == .longerInversionTime)
        #expect(TraineeChoice(answer: "shorter") == .shorterInversionTime)
        #expect(TraineeChoice(answer: "S") == .swapPhaseEncode)
        #expect(TraineeChoice(answer: "crosscut") == .longAxisCrosscut)
        #expect(TraineeChoice(answer: "r") == .repeatAcquisition)
        #expect(TraineeChoice(answer: "t") == nil, "a TI change needs its direction")
        #expect(TraineeChoice(answer: "swap it") == nil)
    }

    @Test func aTIAnswerMatchesOnlyAStepTheSameWay() {
        #expect(TraineeChoice.shorterInversionTime.matches(expert("repeat_ti", delta: -50)))
        #expect(!TraineeChoice.longerInversionTime.matches(expert("repeat_ti", delta: -50)))
        #expect(TraineeChoice.longerInversionTime.matches(expert("repeat_ti")), "no step given: either way")
        #expect(TraineeChoice.swapPhaseEncode.matches(expert("swap_phase_encode")))
        #expect(!TraineeChoice.nothing.matches(expert("repeat")))
    }

    @Test func theScoreCountsAgainstTheExpertAndTheProtocol() {
        var score = TraineeScore()
        #expect(score.record(.swapPhaseEncode, expert: expert("swap_phase_encode"), protocolActions: ["swap_phase_encode"]) == true)
        #expect(score.record(.repeatAcquisition, expert: expert("swap_phase_encode"), protocolActions: []) == false)
        #expect(score.record(.longAxisCrosscut, expert: nil, protocolActions: []) == nil)
        #expect(score.record(.nothing, expert: nil, protocolActions: []) == nil)
        #expect(score.answered == 4 && score.expertActions == 2 && score.matchedExpert == 1)
        #expect(score.actionsTheExpertDidNotTake == 1)
        #expect(score.agreedWithProtocol == 2)
        #expect(score.lines == [
            "  you answered for 4 acquisitions",
            "    the expert acted after 2: you chose the same on 1",
            "    you asked for an action the expert did not take on 1",
            "    you and the protocol agreed on 2 of 4",
        ])
        #expect(TraineeScore().lines == ["  you answered for no acquisition"])
    }

    /// Magnitude keeps its null black (0 → 0); PSIR is windowed on its own 0.5–99.5th percentiles,
    /// so a negative value is not clipped to black with the background.
    @Test func imagesAreWrittenInAReadingWindow() throws {
        let ramp = (0..<1000).map { Float($0) / 10 }
        let magnitude = SliceSnapshotWriter.windowed(PixelImage(rows: 10, columns: 100, values: ramp), signed: false)
        #expect(magnitude.first == 0 && magnitude.last == 255)
        #expect(abs(Int(magnitude[500]) - 128) <= 1)
        let psir = SliceSnapshotWriter.windowed(PixelImage(rows: 10, columns: 100, values: ramp.map { $0 - 50 }), signed: true)
        #expect(psir.first == 0 && psir.last == 255 && abs(Int(psir[500]) - 128) <= 1)
        #expect(SliceSnapshotWriter.windowed(PixelImage(rows: 1, columns: 3, values: [.nan, 1, 2]), signed: false)[0] == 0)

        let directory = try TestEnvironment.temporaryDirectory("lgeqa-snapshots")
        defer { try? FileManager.default.removeItem(at: directory) }
        let writer = try SliceSnapshotWriter(directory: directory.appendingPathComponent("new"))
        let slice = ArrivingSlice(
            target: "2CH crosscut", orientation: .twoChamber, index: 1,
            images: [ArrivingImage(reconstruction: .magnitude, pixels: PixelImage(rows: 10, columns: 100, values: ramp), pixelSpacing: nil),
                     ArrivingImage(reconstruction: .psir, pixels: nil, pixelSpacing: nil)],
            sourceReference: 0)
        let paths = try writer.write(slice, number: 12)
        #expect(paths.map { URL(fileURLWithPath: $0).lastPathComponent } == ["012-2CH_crosscut-magnitude.png"], "an image without pixels is skipped")
        let back = try GrayscalePNG.read(paths[0])
        #expect(back.rows == 10 && back.columns == 100 && back.values.map { UInt8($0) } == magnitude)
    }
}
