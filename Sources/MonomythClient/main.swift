import Foundation
import Monomyth
import MonomythCommandLine

/// `monomyth`: requests to a running master, one per invocation.
enum ClientCommand: String, CaseIterable {
    case ping
    case recipeInfo = "recipe-info"
    case workerInfo = "worker-info"
    case startNode = "start-node"
    case stopWorker = "stop-worker"

    var usage: String {
        switch self {
        case .ping, .recipeInfo, .workerInfo: "monomyth \(rawValue) [OPTIONS]"
        case .startNode: "monomyth start-node TYPE [OPTIONS]"
        case .stopWorker: "monomyth stop-worker WORKER-ID [OPTIONS]"
        }
    }

    var abstract: String {
        switch self {
        case .ping: "Check that the master answers."
        case .recipeInfo: "Print every node type of the master's pipeline with its node counts."
        case .workerInfo: "Print the connected workers and the nodes placed on each."
        case .startNode: "Ask the master to start one node of TYPE on its least-loaded worker."
        case .stopWorker: "Ask the master to shut the worker WORKER-ID down."
        }
    }

    var takesArgument: Bool { self == .startNode || self == .stopWorker }

    static let options = [
        CommandOption("master", value: "ENDPOINT", default: "tcp://127.0.0.1:5555", environment: "MONOMYTH_MASTER", help: "the master's endpoint"),
        CommandOption("timeout", value: "SECONDS", default: "5", help: "the longest to wait for the answer"),
        CommandOption.flag("json", help: "print the answer as JSON"),
    ]

    /// Sends the request; returns what to print.
    func perform(_ argument: String?, client: ControlClient, json: Bool) throws(ControlError) -> String {
        switch self {
        case .ping:
            let started = ContinuousClock.now
            try client.ping()
            let elapsed = ContinuousClock.now - started
            return json ? #"{"pong":true}"# : "PONG from \(client.master) in \(elapsed.formatted(.units(allowed: [.milliseconds], fractionalPart: .show(length: 1))))"
        case .recipeInfo:
            let info = try client.recipeInfo()
            if json { return String(decoding: MMOPJSON.encode(info), as: UTF8.self) }
            let rows = info.map { recipe in
                let counts = recipe.counts
                let line = [recipe.type, "\(counts.running)", "\(counts.queued)", "\(counts.completed)", "\(counts.failed)"]
                return recipe.lastFailure.map { line + [$0] } ?? line
            }
            return table([["TYPE", "RUNNING", "QUEUED", "COMPLETED", "FAILED"]] + rows)
        case .workerInfo:
            let info = try client.workerInfo()
            if json { return String(decoding: MMOPJSON.encode(info), as: UTF8.self) }
            if info.isEmpty { return "no worker is connected" }
            let rows = info.map { worker in
                [worker.workerID, worker.nodes.isEmpty ? "-" : worker.nodes.map { "\($0.recipeName)×\($0.nodeCount)" }.joined(separator: " ")]
            }
            return table([["WORKER", "NODES"]] + rows)
        case .startNode:
            try client.startNode(type: argument!)
            return json ? #"{"started":true}"# : "the master sent START-NODE \(argument!) to a worker"
        case .stopWorker:
            try client.stopWorker(id: argument!)
            return json ? #"{"stopped":true}"# : "the master sent SHUTDOWN to \(argument!)"
        }
    }
}

/// Left-aligned columns, two spaces apart.
func table(_ rows: [[String]]) -> String {
    let widths = rows.reduce(into: [Int]()) { widths, row in
        for (index, cell) in row.enumerated() {
            if index < widths.count { widths[index] = max(widths[index], cell.count) } else { widths.append(cell.count) }
        }
    }
    return rows.map { row in
        row.enumerated().map { index, cell in
            index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
        }.joined(separator: "  ")
    }.joined(separator: "\n")
}

let overview = """
    Usage: monomyth COMMAND [ARGUMENT] [OPTIONS]

    Talks to a Monomyth master over MMOP.

    Commands:
    \(ClientCommand.allCases.map { "  \($0.rawValue.padding(toLength: 13, withPad: " ", startingAt: 0))\($0.abstract)" }.joined(separator: "\n"))

    Options:
    \(ClientCommand.options.map(\.helpLine).joined(separator: "\n"))
    \(CommandOption.helpFlagLine)

    Exit status: 0 done, 1 the master did not answer or refused (its reason and status code are printed),
    2 a command line that cannot be understood.
    """

func fail(_ message: String, code: Int32) -> Never {
    FileHandle.standardError.write(Data("monomyth: \(message)\n".utf8))
    exit(code)
}

var arguments = Array(CommandLine.arguments.dropFirst())
let wantsHelp = arguments.contains { $0 == "--help" || $0 == "-h" }
guard let first = arguments.first, !first.hasPrefix("-") else {
    if wantsHelp {
        print(overview)
        exit(0)
    }
    fail("a command is needed: \(ClientCommand.allCases.map(\.rawValue).joined(separator: ", "))\nSee 'monomyth --help'.", code: 2)
}
guard let command = ClientCommand(rawValue: first) else {
    fail("\(UsageError.unknownSubcommand(first, known: ClientCommand.allCases.map(\.rawValue)))\nSee 'monomyth --help'.", code: 2)
}
arguments.removeFirst()
if wantsHelp {
    print("Usage: \(command.usage)\n\n\(command.abstract)\n\nOptions:\n\(ClientCommand.options.map(\.helpLine).joined(separator: "\n"))\n\(CommandOption.helpFlagLine)")
    exit(0)
}
var argument: String?
if command.takesArgument {
    guard let value = arguments.first, !value.hasPrefix("-") else { fail("usage: \(command.usage)", code: 2) }
    argument = value
    arguments.removeFirst()
}
let options: ParsedOptions
let timeout: Int
do {
    options = try ParsedOptions(parsing: arguments, options: ClientCommand.options, environment: ProcessInfo.processInfo.environment)
    timeout = try options.integer("timeout")
} catch {
    fail("\(error)\nSee 'monomyth \(command.rawValue) --help'.", code: 2)
}
do {
    let context = try ZMQContext()
    defer { context.terminate() }
    let client = try ControlClient(master: options.value("master")!, context: context, timeout: .seconds(timeout))
    defer { client.close() }
    print(try command.perform(argument, client: client, json: options.isSet("json")))
} catch {
    if options.isSet("json") {
        // The failure as JSON on standard output, for scripts; still exit 1.
        let object: [String: Any] = if case ControlError.refused(let reason, let code) = error {
            ["error_message": reason, "status_code": code]
        } else {
            ["error_message": "\(error)"]
        }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        print(String(decoding: data, as: UTF8.self))
        exit(1)
    }
    fail("\(error)", code: 1)
}
