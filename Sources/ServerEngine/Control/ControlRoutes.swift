import DocumentStore
import Foundation
import Hummingbird
import ServerConfig

/// The endpoints of the control socket: operator commands run inside the instance.
///
/// `POST /jobs/:name/run` runs one job of jobs.yaml now through the instance's ``JobScheduler`` (so it shares the
/// instance's store, run lock, statistics and metrics) and answers
/// `{"job":…,"instance":…,"changed":N,"details":{…},"durationMs":…}`; 404 for an unknown job, 409 when a run of the
/// job is in flight here or on another instance, 500 with the error when the handler failed.
enum ControlRoutes {
    /// The `id`/`sub` claim of the tokens the control socket accepts; they also carry an empty `networks` list, which
    /// no token of an application user has (it would open no network).
    static let controlUser = "registry-control"

    /// Adds the control endpoints to `router`, behind a control token when the engine has an authenticator.
    static func add(to router: Router<EngineRequestContext>, scheduler: JobScheduler, authenticator: JWTAuthenticator?) {
        router.post("/jobs/:name/run") { request, context in
            try await authorize(request, authenticator)
            let name = try context.parameters.require("name")
            let clock = ContinuousClock()
            let start = clock.now
            do {
                let outcome = try await scheduler.runOnce(name)
                let elapsed = start.duration(to: clock.now)
                let report: Value = [
                    "job": .string(name), "instance": .string(scheduler.instanceId), "changed": .int(Int64(outcome.changed)),
                    "details": .document(Document(outcome.details.sorted { $0.key < $1.key }.map { ($0.key, Value.string($0.value)) })),
                    "durationMs": .double((scheduler.statistics[name]?.lastDuration ?? elapsed).roundedMilliseconds),
                ]
                return HandlerResponse.json(value: report).response
            } catch let error as JobError {
                switch error.code {
                case .unknownJob, .missingHandler: throw APIError(.notFound, error.message)
                default: throw APIError(.conflict, error.message)
                }
            } catch {
                throw APIError(.internalServerError, "job \(name) failed on instance \(scheduler.instanceId): \(error)")
            }
        }
    }

    /// Checks the control token (a token of ``controlUser`` with no network, signed with the instance's secret).
    private static func authorize(_ request: Request, _ authenticator: JWTAuthenticator?) async throws {
        guard let authenticator else { return }
        let user = try await authenticator.authenticate(authorization: request.headers[.authorization])
        guard user.id == controlUser, user.networks == [] else {
            throw APIError(.forbidden, "this token is not a control token")
        }
    }
}
