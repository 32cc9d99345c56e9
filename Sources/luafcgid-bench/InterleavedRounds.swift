/// Runs every subject once per round, round after round: A B C D A B C D …
///
/// Interleaving spreads a slow drift of the machine (a neighbour, heat, the
/// page cache) over all subjects instead of landing on whichever ran last.
/// Before the first round each subject gets an unrecorded warm-up run, so
/// what fills on first use (luafcgid's script states, OPcache, nginx's
/// upstream keep-alive connections) is full when timing starts.
struct InterleavedRounds<Subject> {
    let rounds: Int

    func run(
        _ subjects: [Subject],
        warmUp: (Subject) throws -> Void,
        measure: (Subject, _ round: Int) throws -> RunResult
    ) rethrows -> [[RunResult]] {
        for subject in subjects { try warmUp(subject) }
        var results = Array(repeating: [RunResult](), count: subjects.count)
        for round in 1...rounds {
            for (index, subject) in subjects.enumerated() {
                results[index].append(try measure(subject, round))
            }
        }
        return results
    }
}
