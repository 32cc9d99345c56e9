/// Before anything is timed: every target answers every workload with 200
/// and the workload's body (see `Workload.isAnswer`). A target answering
/// something else would be measured doing something else.
enum AnswerCheck {
    static func verify(_ stack: BenchStack, curl: Curl, targets: [Target], workloads: [Workload]) throws {
        for target in targets {
            for workload in workloads {
                let url = stack.url(target, workload)
                let answer = try curl.request(url, post: workload == .post)
                guard answer.status == 200, workload.isAnswer(answer.body, from: target) else {
                    throw BenchError(
                        "\(target.rawValue): \(target.path(for: workload)) answered \(answer.status): \(answer.body.prefix(300))")
                }
            }
        }
    }
}
