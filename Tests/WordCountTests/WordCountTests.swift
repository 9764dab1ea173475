import Foundation
import Monomyth
import MonomythTesting
import Testing
import WordCountPipeline

@Suite struct WordCountTests {
    @Test func theExecutableCountsTheBundledTextExactly() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = directory.appendingPathComponent("counts.sqlite").path

        let result = try run(wordcountBinary, ["--db", database])

        #expect(result.status == 0, "\(result.stderr)")
        let expected = try pythonWordCounts(of: bundledText.path)
        let stored = try CountsStore.allCounts(path: database)
        #expect(stored.count == expected.count)
        #expect(stored == expected)
        let total = expected.values.reduce(0, +)
        #expect(result.stdout.contains("total words:    \(total)\n"))
        #expect(result.stdout.contains("distinct words: \(expected.count)\n"))
        let top = expected.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.first!
        #expect(result.stdout.contains("1   \(top.key.padding(toLength: 12, withPad: " ", startingAt: 0)) \(top.value)\n"))
    }

    @Test func aSecondRunOnTheSameDatabaseCountsFromZero() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("input.txt").path
        let database = directory.appendingPathComponent("counts.sqlite").path
        try "one two two\nthree three THREE\n".write(toFile: input, atomically: true, encoding: .utf8)

        for _ in 1...2 {
            let result = try run(wordcountBinary, ["--input", input, "--db", database])
            #expect(result.status == 0, "\(result.stderr)")
        }
        #expect(try CountsStore.allCounts(path: database) == ["one": 1, "two": 2, "three": 3])
    }

    @Test func aMissingInputFileIsAClearErrorAndKeepsEarlierCounts() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = directory.appendingPathComponent("counts.sqlite").path
        let input = directory.appendingPathComponent("input.txt").path
        try "call me ishmael\n".write(toFile: input, atomically: true, encoding: .utf8)
        #expect(try run(wordcountBinary, ["--input", input, "--db", database]).status == 0)
        let missing = directory.appendingPathComponent("no-such-file.txt").path

        let result = try run(wordcountBinary, ["--input", missing, "--db", database])

        #expect(result.status == 1)
        #expect(result.stderr.contains("cannot read input file '\(missing)': No such file or directory"), "\(result.stderr)")
        #expect(try CountsStore.allCounts(path: database) == ["call": 1, "me": 1, "ishmael": 1])
    }

    @Test func badFlagsAreUsageErrors() throws {
        let unknown = try run(wordcountBinary, ["--frobnicate"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("unknown option --frobnicate"))
        let missingValue = try run(wordcountBinary, ["--db"])
        #expect(missingValue.status == 2)
        #expect(missingValue.stderr.contains("--db needs a value"))
    }

    @Test func wordsSplitOnAnyWhitespaceLikePython() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("tricky.txt").path
        let text = "Tab\tseparated  and\r\nCRLF lines,\u{00A0}no-break\u{2003}em-space\u{3000}ideographic ÉCOLE école Straße"
            + "\u{1C}file\u{1F}unit \u{0301}combining\u{85}next-line\n\n  trailing  "
        try text.write(toFile: file, atomically: true, encoding: .utf8)

        #expect(wordCounts(in: text) == (try pythonWordCounts(of: file)))
    }

    @Test func theStoreCountsARedeliveredMessageOnce() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = directory.appendingPathComponent("counts.sqlite").path
        var store = try CountsStore(path: database)

        try store.consume(["whale": 2, "sea": 1], id: "LOAD-FILE:1/MAP-TEXT")
        try store.consume(["whale": 2, "sea": 1], id: "LOAD-FILE:1/MAP-TEXT")
        try store.consume(["whale": 1], id: "LOAD-FILE:11/MAP-TEXT")

        #expect(try CountsStore.allCounts(path: database) == ["whale": 3, "sea": 1])
    }

    @Test func thePipelineInProcessMatchesTheIndependentCount() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = directory.appendingPathComponent("counts.sqlite").path
        let harness = try PipelineHarness(wordCountPipeline(input: bundledText.path, database: database, mapInstances: 3))

        let report = try await harness.run(timeout: .seconds(120))

        #expect(try CountsStore.allCounts(path: database) == (try pythonWordCounts(of: bundledText.path)))
        let lines = try String(contentsOfFile: bundledText.path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        let chunks = (lines.count - (lines.last == "" ? 1 : 0) + 9) / 10
        #expect(report.processed == ["LOAD-FILE": chunks, "MAP-TEXT": chunks, "STORE-COUNTS": chunks])
        #expect(harness.failures(of: "map-text").isEmpty && harness.failures(of: "store-counts").isEmpty)
    }
}

/// Tests that use WordCount's queues on the test broker, one at a time.
@Suite(.serialized) struct WordCountOnRabbitMQTests {
    @Test func countsThroughRabbitMQEqualTheIndependentCountAndLeaveEmptyQueues() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = directory.appendingPathComponent("counts.sqlite").path
        let queues = try wordCountPipeline(input: bundledText.path, database: database).graph().queues.map(\.name)
        let stream = try TestBroker.stream()
        defer { try? stream.delete(queues: queues) }

        let result = try await onOwnThread { try run(wordcountBinary, ["--amqp", TestBroker.url, "--db", database]) }

        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("through RabbitMQ at"))
        #expect(try CountsStore.allCounts(path: database) == (try pythonWordCounts(of: bundledText.path)))
        let left = try await onOwnThread { try queues.map { try stream.messageCount(of: $0) } }
        #expect(left == queues.map { _ in 0 }, "every queue the run used exists and is empty: \(queues)")
    }

    @Test func theEnvironmentVariableSelectsRabbitMQAndAMalformedURLIsAUsageError() async throws {
        let result = try await onOwnThread {
            try run("/usr/bin/env", ["MONOMYTH_AMQP_URL=amqp://h:port/", wordcountBinary, "--db", "/nonexistent/db"])
        }
        #expect(result.status == 2)
        #expect(result.stderr.contains("MONOMYTH_AMQP_URL: malformed AMQP URL: the port \"port\""), "\(result.stderr)")
    }
}
