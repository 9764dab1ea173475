import Foundation
import Testing

/// The DSL's promise that a type mismatch between nodes does not compile,
/// checked by running the compiler on small programs against the built module.
@Suite struct TypeCheckTests {
    @Test func matchingTypesCompile() throws {
        let result = try typeCheck("""
            import MonomythCore
            let p = Pipeline("ok") {
                Source("numbers", items: [1, 2])
                Stage("show") { (number: Int) in String(number) }
                Sink("print") { (text: String) in print(text) }
            }
            """)
        #expect(result.status == 0, "\(result.output)")
    }

    @Test func aMismatchDoesNotCompileAndNamesBothTypes() throws {
        let result = try typeCheck("""
            import MonomythCore
            let p = Pipeline("bad") {
                Source("numbers", items: [1, 2])
                Stage("shout") { (text: String) in text.uppercased() }
                Sink("print") { (text: String) in print(text) }
            }
            """)
        #expect(result.status != 0)
        #expect(result.output.contains("requires the types 'Int' and 'String' be equivalent"), "\(result.output)")
    }

    @Test func nothingComesAfterASink() throws {
        let result = try typeCheck("""
            import MonomythCore
            let p = Pipeline("bad") {
                Source("numbers", items: [1, 2])
                Sink("print") { (number: Int) in print(number) }
                Source("more", items: [3])
            }
            """)
        #expect(result.status != 0)
        #expect(result.output.contains("(aka 'SinkEnd') and 'Source<Int>.Input' (aka 'SourceStart') be equivalent"), "\(result.output)")
    }

    private func typeCheck(_ source: String) throws -> (status: Int32, output: String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("typecheck-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("snippet.swift")
        try source.write(to: file, atomically: true, encoding: .utf8)

        // The test bundle sits beside the modules it was built with.
        let modules = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("Modules").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["swiftc", "-typecheck", "-swift-version", "6", "-I", modules, file.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }
}
