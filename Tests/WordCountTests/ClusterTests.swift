import Foundation
import Monomyth
import MonomythTesting
import Testing
import WordCountPipeline

extension WordCountOnRabbitMQTests {
    /// A master and two worker processes on loopback, a `run` through them,
    /// the `monomyth` client against the master, and a clean shutdown.
    @Test func aClusterOfProcessesCountsExactlyAndLeavesNoProcessBehind() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("input.txt").path
        let database = directory.appendingPathComponent("counts.sqlite").path
        try FileManager.default.copyItem(atPath: bundledText.path, toPath: input)
        let endpoint = "tcp://127.0.0.1:\(try freePort())"
        let pipelineOptions = ["--input", input, "--db", database]

        try await onOwnThread {
            let master = try ChildProcess(wordcountBinary, ["master", "--bind", endpoint] + pipelineOptions)
            defer { master.kill() }
            let workers = try (1...2).map { _ in
                try ChildProcess(
                    wordcountBinary, ["worker", "--master", endpoint, "--amqp", TestBroker.url] + pipelineOptions)
            }
            defer { for worker in workers { worker.kill() } }
            func client(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
                try run(monomythBinary, arguments + ["--master", endpoint], timeout: .seconds(30))
            }

            let ping = try client(["ping"])
            #expect(ping.status == 0, "\(ping.stderr)")
            #expect(ping.stdout.hasPrefix("PONG from \(endpoint) in "))
            var registered = try client(["worker-info"])
            for _ in 1...100 where registered.stdout.split(separator: "\n").count < 3 {
                Thread.sleep(forTimeInterval: 0.05)
                registered = try client(["worker-info"])
            }
            let lines = registered.stdout.split(separator: "\n")
            #expect(lines.count == 3 && lines[0].hasPrefix("WORKER") && lines.dropFirst().allSatisfy { $0.hasPrefix("monomyth-worker-") && $0.hasSuffix("  -") }, "\(registered.stdout)")

            let job = try run(
                wordcountBinary,
                ["run", "--master", endpoint, "--workers", "2", "--instances", "map-text=3", "--amqp", TestBroker.url,
                 "--stop-workers"] + pipelineOptions,
                timeout: .seconds(180))

            #expect(job.status == 0, "\(job.stderr)")
            #expect(job.stdout.contains("distinct words: "))
            #expect(try CountsStore.allCounts(path: database) == (try pythonWordCounts(of: input)))

            let info = try client(["recipe-info", "--json"])
            #expect(info.status == 0, "\(info.stderr)")
            let recipes = try JSONDecoder().decode([RecipeInfo].self, from: Data(info.stdout.utf8))
            #expect(recipes.map(\.type) == ["LOAD-FILE", "MAP-TEXT", "STORE-COUNTS"])
            #expect(recipes.map(\.counts) == [
                .init(completed: 1), .init(completed: 3), .init(completed: 1),
            ])
            let refused = try client(["start-node", "MAP-TEXT"])
            #expect(refused.status == 1)
            #expect(refused.stderr == "monomyth: the master refused: no worker is connected (503)\n")
            let refusedJSON = try client(["start-node", "MAP-TEXT", "--json"])
            #expect(refusedJSON.status == 1)
            #expect(refusedJSON.stdout == #"{"error_message":"no worker is connected","status_code":503}"# + "\n")

            for worker in workers {
                #expect(worker.wait(timeout: .seconds(30)) == 0, "a worker told to stop exits: \(worker.stderr)")
            }
            let empty = try client(["worker-info"])
            #expect(empty.stdout == "no worker is connected\n")

            master.signal(SIGTERM)
            #expect(master.wait(timeout: .seconds(30)) == 0, "\(master.stderr)")
            #expect(master.stderr.contains("SIGTERM: shutting down"))
            for child in [master] + workers {
                #expect(!child.isRunning)
                #expect(Foundation.kill(child.pid, 0) == -1 && errno == ESRCH, "process \(child.pid) is gone")
            }
        }
    }

    @Test func aWorkerStopsGracefullyOnSIGTERM() async throws {
        let endpoint = "tcp://127.0.0.1:\(try freePort())"
        try await onOwnThread {
            let worker = try ChildProcess(wordcountBinary, ["worker", "--master", endpoint, "--amqp", TestBroker.url])
            defer { worker.kill() }
            for _ in 1...100 where !worker.stderr.contains("ready") { Thread.sleep(forTimeInterval: 0.05) }
            worker.signal(SIGTERM)
            #expect(worker.wait(timeout: .seconds(30)) == 0, "\(worker.stderr)")
            #expect(worker.stderr.contains("SIGTERM: shutting down"))
            #expect(worker.stderr.contains("shut down\n"))
        }
    }
}
