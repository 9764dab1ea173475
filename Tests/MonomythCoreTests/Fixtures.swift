import MonomythCore

/// A three-node chain like WordCount, with two `map-text` instances.
func wordCountShape() -> Pipeline {
    Pipeline("word-count") {
        Source("load-file", batchSize: 1, items: ["a b", "b c"])
        Stage("map-text", batchSize: 10) { (text: String) in text.split(separator: " ").count }.instances(2)
        Sink("store-counts", batchSize: 5) { (_: Int) in }
    }
}
