import Foundation
import LGEYAML
import Testing

/// The error `body` throws, or a recorded failure.
private func failure(_ body: () throws -> Void) -> YAMLError? {
    do {
        try body()
        Issue.record("expected an error")
        return nil
    } catch let error as YAMLError {
        return error
    } catch {
        Issue.record("expected a YAMLError, got \(error)")
        return nil
    }
}

private func root(_ text: String) throws -> YAMLValue {
    try #require(try YAMLDocument.parse(text: text, file: "t.yaml", documentName: "thing"))
}

@Suite struct YAMLTests {
    @Test func syntaxErrorsCarryTheirPosition() throws {
        let error = try #require(failure { _ = try YAMLDocument.parse(text: "a: 1\nb: {c: 2\n", file: "t.yaml") })
        #expect(error.kind == .syntax)
        #expect(error.file == "t.yaml")
        #expect(error.line == 3 && error.column == 1)
        #expect(error.description.hasPrefix("t.yaml:3:1: YAML syntax error:"))
    }

    @Test func duplicateKeysAreInvalid() throws {
        let error = try #require(failure { _ = try YAMLDocument.parse(text: "a: 1\na: 2\n", file: "t.yaml") })
        #expect(error.kind == .invalid)
        #expect(error.message.contains("duplicate key 'a'"))
    }

    @Test func emptyDocumentIsNil() throws {
        #expect(try YAMLDocument.parse(text: "# only a comment\n", file: "t.yaml") == nil)
    }

    @Test func unknownKeySuggestsTheClosest() throws {
        let value = try root("size: 1\ncolr: red\n")
        let error = try #require(failure { _ = try value.mapping(allowed: ["size", "color"]) })
        #expect(error.description == "t.yaml:2:1: unknown key 'colr' in thing; did you mean 'color'?")
        #expect(error.kind == .unknownKey)
    }

    @Test func typedReadersReportTypeAndRange() throws {
        let fields = try root("size: big\nweight: 7\nkind: Sqare\n").mapping(allowed: ["size", "weight", "kind"])
        let type = try #require(failure { _ = try fields.required("size").number(.above(0)) })
        #expect(type.description == "t.yaml:1:7: size: expected a number, found 'big'")
        let range = try #require(failure { _ = try fields.required("weight").number(.range(0, 5), unit: "kg") })
        #expect(range.description == "t.yaml:2:9: weight must be between 0 and 5 kg, found 7")
        #expect(range.kind == .outOfRange)
        let word = try #require(failure { _ = try fields.required("kind").word("shape", [("square", 1), ("circle", 2)]) })
        #expect(word.message == "kind: unknown shape 'Sqare'; expected one of square, circle; did you mean 'square'?")
        let missing = try #require(failure { _ = try fields.required("colour") })
        #expect(missing.kind == .missingKey && missing.line == 1 && missing.column == 1)
    }

    @Test func openMappingsAndPeekKeepPositions() throws {
        let value = try root("x: 1\nbands:\n  low: [0, 1]\n")
        #expect(value.peek("bands")?.line == 3)
        let bands = try #require(value.peek("bands")).openMapping()
        #expect(bands.keys == ["low"])
        #expect(bands.entry(at: 0).value.path == "bands.low")
        #expect(try bands.entry(at: 0).value.list().count == 2)
    }

    @Test func suggestionsNeedAPlausibleTypo() {
        #expect(suggestion(for: "ghostng", among: ["ghosting", "motion"]) == "ghosting")
        #expect(suggestion(for: "xyz", among: ["ghosting", "motion"]) == nil)
        #expect(YAMLSuggestion.distance("ab", "ba") == 1)
    }

    @Test func unreadableFilesPointAtTheStart() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("lgeqa-yaml-\(UUID().uuidString).yaml")
        let error = try #require(failure { _ = try YAMLDocument.read(contentsOf: url) })
        #expect(error.kind == .unreadable && error.line == 1 && error.column == 1)
        try Data([0xff, 0xfe, 0x00]).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let binary = try #require(failure { _ = try YAMLDocument.read(contentsOf: url) })
        #expect(binary.message == "not UTF-8 text")
    }
}
