import Foundation
import Monomyth
import MonomythTesting
import Testing
import WordCountPipeline

@Suite struct WordCountSubcommandTests {
    @Test func graphPrintsDotByDefault() async throws {
        let result = try await onOwnThread { try run(wordcountBinary, ["graph"], timeout: .seconds(30)) }
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == #"""
            digraph "word-count" {
              rankdir=LR;
              node [shape=box];
              "LOAD-FILE" [label="LOAD-FILE\nsource ×1"];
              "MAP-TEXT" [label="MAP-TEXT\nstage ×2"];
              "STORE-COUNTS" [label="STORE-COUNTS\nsink ×1"];
              "LOAD-FILE" -> "MAP-TEXT" [label="LOAD-FILE-to-MAP-TEXT"];
              "MAP-TEXT" -> "STORE-COUNTS" [label="MAP-TEXT-to-STORE-COUNTS"];
              "LOAD-FILE-fail" [shape=plaintext, fontcolor=red];
              "LOAD-FILE" -> "LOAD-FILE-fail" [style=dashed];
              "MAP-TEXT-fail" [shape=plaintext, fontcolor=red];
              "MAP-TEXT" -> "MAP-TEXT-fail" [style=dashed];
              "STORE-COUNTS-fail" [shape=plaintext, fontcolor=red];
              "STORE-COUNTS" -> "STORE-COUNTS-fail" [style=dashed];
            }

            """#)
    }

    @Test func graphPrintsMermaidAndJSONBuiltFromThePipelineOptions() async throws {
        let mermaid = try await onOwnThread {
            try run(wordcountBinary, ["graph", "--format", "mermaid", "--map-instances", "4"], timeout: .seconds(30))
        }
        #expect(mermaid.status == 0, "\(mermaid.stderr)")
        #expect(mermaid.stdout == """
            flowchart LR
              n0["LOAD-FILE (source ×1)"]
              n1["MAP-TEXT (stage ×4)"]
              n2["STORE-COUNTS (sink ×1)"]
              n0 -->|LOAD-FILE-to-MAP-TEXT| n1
              n1 -->|MAP-TEXT-to-STORE-COUNTS| n2
              n3(["LOAD-FILE-fail"])
              n0 -.-> n3
              n4(["MAP-TEXT-fail"])
              n1 -.-> n4
              n5(["STORE-COUNTS-fail"])
              n2 -.-> n5

            """)
        let json = try await onOwnThread { try run(wordcountBinary, ["graph", "--format=json"], timeout: .seconds(30)) }
        #expect(json.status == 0, "\(json.stderr)")
        let graph = try JSONDecoder().decode(PipelineGraph.self, from: Data(json.stdout.utf8))
        #expect(graph == (try wordCountPipeline(input: "", database: "").graph()))
    }

    @Test func planPrintsTheCommandsForHypotheticalWorkers() async throws {
        let result = try await onOwnThread {
            try run(wordcountBinary, ["plan", "--workers", "2", "--instances", "map-text=3"], timeout: .seconds(30))
        }
        #expect(result.status == 0, "\(result.stderr)")
        let store = #"{"batch_size":100,"dependents":[],"destination_queues":[],"fail_queue":"STORE-COUNTS-fail","instances":1,"kind":"sink","source_queue":"MAP-TEXT-to-STORE-COUNTS","type":"STORE-COUNTS"}"#
        let map = #"{"batch_size":10,"dependents":["STORE-COUNTS"],"destination_queues":["MAP-TEXT-to-STORE-COUNTS"],"fail_queue":"MAP-TEXT-fail","instances":3,"kind":"stage","source_queue":"LOAD-FILE-to-MAP-TEXT","type":"MAP-TEXT"}"#
        let load = #"{"batch_size":1,"dependents":["MAP-TEXT"],"destination_queues":["LOAD-FILE-to-MAP-TEXT"],"fail_queue":"LOAD-FILE-fail","instances":1,"kind":"source","type":"LOAD-FILE"}"#
        #expect(result.stdout == """
            worker-1 START-NODE STORE-COUNTS \(store)
            worker-2 START-NODE MAP-TEXT \(map)
            worker-1 START-NODE MAP-TEXT \(map)
            worker-2 START-NODE MAP-TEXT \(map)
            worker-1 START-NODE LOAD-FILE \(load)

            """)
    }

    @Test func badSubcommandsAndValuesAreUsageErrors() async throws {
        let cases: [([String], String)] = [
            (["frobnicate"], "unknown subcommand 'frobnicate'; the subcommands are local, master, worker, run, control, graph, plan"),
            (["graph", "--format", "svg"], "--format: 'svg' is not dot, mermaid or json"),
            (["plan", "--instances", "map=2"], "--instances: the pipeline has no node 'map'; its nodes are load-file, map-text, store-counts"),
            (["plan", "--instances", "map-text=0"], "--instances: 'map-text=0' is not NODE=N with N a whole number ≥ 1"),
            (["plan", "--workers", "none"], "--workers: 'none' is not a whole number ≥ 1"),
            (["--map-instances", "0"], "--map-instances: '0' is not a whole number ≥ 1"),
            (["worker", "--master", "tcp://127.0.0.1:1"], "--amqp is required (or set MONOMYTH_AMQP_URL)\nSee 'wordcount worker --help'."),
        ]
        for (arguments, message) in cases {
            let result = try await onOwnThread {
                try run("/usr/bin/env", ["-u", "MONOMYTH_AMQP_URL", wordcountBinary] + arguments, timeout: .seconds(30))
            }
            #expect(result.status == 2, "\(arguments)")
            #expect(result.stderr.hasPrefix("wordcount: \(message)"), "\(arguments): \(result.stderr)")
            #expect(result.stdout.isEmpty)
        }
    }

    @Test(arguments: [
        ([], "Usage: wordcount [SUBCOMMAND] [OPTIONS]", ["local", "master", "worker", "run", "graph", "plan", "--amqp URL", "--input FILE", "--db PATH"]),
        (["local"], "Usage: wordcount local [OPTIONS]", ["--amqp URL", "MONOMYTH_AMQP_URL", "--input FILE", "--map-instances N"]),
        (["master"], "Usage: wordcount master [OPTIONS]", ["--bind ENDPOINT", "tcp://*:5555", "--db PATH"]),
        (["worker"], "Usage: wordcount worker [OPTIONS]", ["--master ENDPOINT", "MONOMYTH_MASTER", "--amqp URL", "--db PATH"]),
        (["run"], "Usage: wordcount run [OPTIONS]", ["--master ENDPOINT", "--instances NODE=N", "--workers N", "--stop-workers", "--db PATH"]),
        (["graph"], "Usage: wordcount graph [OPTIONS]", ["--format FORMAT", "dot (Graphviz), mermaid or json"]),
        (["plan"], "Usage: wordcount plan [OPTIONS]", ["--workers N", "--instances NODE=N"]),
    ])
    func everySubcommandHasHelp(subcommand: [String], usage: String, mentions: [String]) async throws {
        for flag in ["--help", "-h"] {
            let result = try await onOwnThread { try run(wordcountBinary, subcommand + [flag], timeout: .seconds(30)) }
            #expect(result.status == 0)
            #expect(result.stdout.hasPrefix(usage + "\n"), "\(result.stdout)")
            for mention in mentions + ["-h, --help"] { #expect(result.stdout.contains(mention), "\(subcommand): \(mention)") }
        }
    }
}

@Suite struct MonomythClientTests {
    @Test(arguments: [
        ([], "Usage: monomyth COMMAND [ARGUMENT] [OPTIONS]", ["ping", "recipe-info", "worker-info", "start-node", "stop-worker"]),
        (["ping"], "Usage: monomyth ping [OPTIONS]", ["--master ENDPOINT", "--json", "--timeout SECONDS"]),
        (["recipe-info"], "Usage: monomyth recipe-info [OPTIONS]", ["--master ENDPOINT", "--json"]),
        (["worker-info"], "Usage: monomyth worker-info [OPTIONS]", ["--master ENDPOINT", "--json"]),
        (["start-node"], "Usage: monomyth start-node TYPE [OPTIONS]", ["--master ENDPOINT"]),
        (["stop-worker"], "Usage: monomyth stop-worker WORKER-ID [OPTIONS]", ["--master ENDPOINT"]),
    ])
    func everyCommandHasHelp(command: [String], usage: String, mentions: [String]) async throws {
        let result = try await onOwnThread { try run(monomythBinary, command + ["--help"], timeout: .seconds(30)) }
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix(usage + "\n"), "\(result.stdout)")
        for mention in mentions + ["-h, --help"] { #expect(result.stdout.contains(mention), "\(command): \(mention)") }
    }

    @Test func aMasterThatDoesNotAnswerIsAFailureAndABadCommandLineAUsageError() async throws {
        let endpoint = "tcp://127.0.0.1:\(try freePort())"
        let silent = try await onOwnThread {
            try run(monomythBinary, ["ping", "--master", endpoint, "--timeout", "1"], timeout: .seconds(30))
        }
        #expect(silent.status == 1)
        #expect(silent.stderr == "monomyth: the master did not answer PING within 1.0 seconds\n")
        let usage = try await onOwnThread { try run(monomythBinary, ["start-node"], timeout: .seconds(30)) }
        #expect(usage.status == 2)
        #expect(usage.stderr.contains("usage: monomyth start-node TYPE [OPTIONS]"))
        let unknown = try await onOwnThread { try run(monomythBinary, ["frobnicate"], timeout: .seconds(30)) }
        #expect(unknown.status == 2)
        #expect(unknown.stderr.hasPrefix("monomyth: unknown subcommand 'frobnicate'"))
    }
}
