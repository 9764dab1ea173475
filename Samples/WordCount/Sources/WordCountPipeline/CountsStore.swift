import Monomyth

/// The `store-counts` sink: adds each message's word counts into the SQLite
/// table `word_counts(word TEXT PRIMARY KEY, word_count INTEGER NOT NULL)`.
///
/// Idempotent: the id of every applied message is recorded in
/// `applied_messages` in the same transaction as its counts, so a message
/// delivered twice is counted once. A batch is one transaction; each message
/// is a savepoint in it, so a message that fails leaves no trace.
public struct CountsStore: SinkConsumer {
    private let database: SQLiteDatabase
    private let begin, commit, rollback, savepoint, release, rollbackToSavepoint, recordID, addCount: SQLiteDatabase.Statement

    /// Opens the database at `path`, creating the tables if needed.
    public init(path: String) throws {
        database = try SQLiteDatabase(path: path)
        try database.execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;")
        try database.execute(Self.schema)
        begin = try database.prepare("BEGIN IMMEDIATE")
        commit = try database.prepare("COMMIT")
        rollback = try database.prepare("ROLLBACK")
        savepoint = try database.prepare("SAVEPOINT message")
        release = try database.prepare("RELEASE message")
        rollbackToSavepoint = try database.prepare("ROLLBACK TO message")
        recordID = try database.prepare("INSERT OR IGNORE INTO applied_messages(message_id) VALUES (?)")
        addCount = try database.prepare(
            """
            INSERT INTO word_counts(word, word_count) VALUES (?, ?)
            ON CONFLICT(word) DO UPDATE SET word_count = word_count + excluded.word_count
            """)
    }

    static let schema = """
        CREATE TABLE IF NOT EXISTS word_counts(word TEXT PRIMARY KEY, word_count INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS applied_messages(message_id TEXT PRIMARY KEY);
        """

    public mutating func beginBatch() throws { try begin.run() }

    public mutating func finishBatch() throws {
        do {
            try commit.run()
        } catch {
            _ = try? rollback.run()
            throw error
        }
    }

    /// Applies one message's counts (in a transaction of its own when called
    /// outside a batch: a savepoint then begins and ends one).
    public mutating func consume(_ counts: [String: Int], id: String) throws {
        try savepoint.run()
        do {
            try recordID.run([.text(id)])
            if database.changes > 0 {
                for (word, count) in counts { try addCount.run([.text(word), .integer(count)]) }
            }
        } catch {
            _ = try? rollbackToSavepoint.run()
            _ = try? release.run()
            throw error
        }
        try release.run()
    }

    /// Empties the tables of the database at `path` (creating them if
    /// needed), so that a new job counts from zero.
    public static func reset(path: String) throws {
        let database = try SQLiteDatabase(path: path)
        try database.execute(schema + "DELETE FROM word_counts; DELETE FROM applied_messages;")
    }

    /// Reads the totals back from the database at `path`.
    public static func summary(path: String, top: Int = 10) throws -> CountsSummary {
        let database = try SQLiteDatabase(path: path)
        let totals = try database.prepare("SELECT COALESCE(SUM(word_count), 0), COUNT(*) FROM word_counts").run()
        let rows = try database.prepare(
            "SELECT word, word_count FROM word_counts ORDER BY word_count DESC, word ASC LIMIT ?"
        ).run([.integer(top)])
        return CountsSummary(
            totalWords: totals.first?[0].integer ?? 0,
            distinctWords: totals.first?[1].integer ?? 0,
            top: rows.map { (word: $0[0].text ?? "", count: $0[1].integer ?? 0) })
    }

    /// Every word and its count in the database at `path`.
    public static func allCounts(path: String) throws -> [String: Int] {
        let database = try SQLiteDatabase(path: path)
        let rows = try database.prepare("SELECT word, word_count FROM word_counts").run()
        return Dictionary(uniqueKeysWithValues: rows.map { ($0[0].text ?? "", $0[1].integer ?? 0) })
    }
}

/// Totals of a word count.
public struct CountsSummary: Sendable {
    public var totalWords: Int
    public var distinctWords: Int
    /// The most frequent words, most frequent first, ties in alphabetical order.
    public var top: [(word: String, count: Int)]
}
