import MonomythCommandLine
import Testing

let options = [
    CommandOption("db", value: "PATH", default: "counts.sqlite", help: "the database"),
    CommandOption("master", value: "ENDPOINT", environment: "MONOMYTH_MASTER", help: "the master"),
    CommandOption("instances", value: "NODE=N", repeatable: true, help: "instances"),
    CommandOption("workers", value: "N", help: "workers"),
    .flag("json", help: "JSON"),
]

@Suite struct ParsedOptionsTests {
    @Test func valuesComeFromArgumentsThenEnvironmentThenDefault() throws {
        let environment = ["MONOMYTH_MASTER": "tcp://env:1"]
        let given = try ParsedOptions(parsing: ["--master", "tcp://flag:1"], options: options, environment: environment)
        #expect(given.value("master") == "tcp://flag:1")
        #expect(given.source(of: "master") == "--master")
        let fromEnvironment = try ParsedOptions(parsing: [], options: options, environment: environment)
        #expect(fromEnvironment.value("master") == "tcp://env:1")
        #expect(fromEnvironment.source(of: "master") == "MONOMYTH_MASTER")
        let none = try ParsedOptions(parsing: [], options: options, environment: ["MONOMYTH_MASTER": ""])
        #expect(none.value("master") == nil)
        #expect(none.value("db") == "counts.sqlite")
    }

    @Test func bothSpellingsOfAValueAndTheLastOneWins() throws {
        let parsed = try ParsedOptions(parsing: ["--db=a.sqlite", "--db", "b=c.sqlite"], options: options)
        #expect(parsed.value("db") == "b=c.sqlite")
    }

    @Test func repeatableOptionsKeepEveryValueInOrder() throws {
        let parsed = try ParsedOptions(parsing: ["--instances", "a=1", "--instances=b=2"], options: options)
        #expect(parsed.values("instances") == ["a=1", "b=2"])
        #expect(try ParsedOptions(parsing: [], options: options).values("instances") == [])
    }

    @Test func flagsAreSetOrNot() throws {
        #expect(try ParsedOptions(parsing: ["--json"], options: options).isSet("json"))
        #expect(!(try ParsedOptions(parsing: [], options: options).isSet("json")))
        #expect(throws: UsageError.flagWithValue(option: "--json")) {
            try ParsedOptions(parsing: ["--json=yes"], options: options)
        }
    }

    @Test func malformedCommandLinesSayWhatIsWrong() {
        #expect(throws: UsageError.unknownOption("--frobnicate")) {
            try ParsedOptions(parsing: ["--frobnicate"], options: options)
        }
        #expect(throws: UsageError.missingValue(option: "--db")) { try ParsedOptions(parsing: ["--db"], options: options) }
        #expect(throws: UsageError.unexpectedArgument("stray")) { try ParsedOptions(parsing: ["stray"], options: options) }
        #expect(UsageError.missingValue(option: "--db").description == "--db needs a value")
        #expect(UsageError.unknownOption("--x").description == "unknown option --x")
    }

    @Test func numbersAreCheckedAndNameTheirSource() throws {
        #expect(try ParsedOptions(parsing: ["--workers", "3"], options: options).integer("workers") == 3)
        let zero = try ParsedOptions(parsing: ["--workers", "0"], options: options)
        #expect(throws: UsageError.invalidValue(source: "--workers", reason: "'0' is not a whole number ≥ 1")) {
            try zero.integer("workers")
        }
        #expect(try zero.integer("workers", atLeast: 0) == 0)
        let missing = try ParsedOptions(parsing: [], options: options)
        #expect(throws: UsageError.missing(option: "master", environment: "MONOMYTH_MASTER")) {
            try missing.integer("master")
        }
        #expect(UsageError.missing(option: "master", environment: "MONOMYTH_MASTER").description
            == "--master is required (or set MONOMYTH_MASTER)")
    }

    @Test func helpLinesShowDefaultsAndEnvironment() {
        #expect(options[0].helpLine == "  --db PATH             the database (default: counts.sqlite)")
        #expect(options[1].helpLine == "  --master ENDPOINT     the master (or $MONOMYTH_MASTER)")
        #expect(options[4].helpLine == "  --json                JSON")
    }
}
