import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// Turns every error into a JSON answer: client mistakes keep their 4xx status, unknown paths get 404
/// (or 405 with `Allow` when the path exists for other methods), and anything unexpected is logged with
/// the request id and answered 500 with a message that carries no internals.
struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let routeTable: RouteTable
    /// The body limit in force (read per error, so a reload shows in the message).
    let maxBodySize: @Sendable () -> Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return error.handlerResponse.response
        } catch let error as ValidationError {
            return error.handlerResponse.response
        } catch is NIOTooManyBytesError {
            return APIError(.contentTooLarge, "Request body too large; the limit is \(maxBodySize()) bytes").handlerResponse.response
        } catch let error as HTTPError {
            return response(for: error, request: request, context: context)
        } catch let error as any HTTPResponseError where error.status.code < 500 {
            return APIError(status: error.status, message: error.status.reasonPhrase).handlerResponse.response
        } catch {
            context.logger.error("unhandled error", metadata: ["error": "\(String(reflecting: error))", "path": "\(request.uri.path)"])
            return APIError(.internalServerError, "Internal server error").handlerResponse.response
        }
    }

    private func response(for error: HTTPError, request: Request, context: Context) -> Response {
        // Hummingbird marks requests that matched no route with the endpoint path "NotFound".
        if error.status == .notFound, context.endpointPath == nil || context.endpointPath == "NotFound" {
            let allowed = routeTable.allowedMethods(forPath: request.uri.path)
            if !allowed.isEmpty {
                let allow = allowed.joined(separator: ", ")
                return APIError(.methodNotAllowed, "Method \(request.method.rawValue) not allowed; use \(allow)", headers: [.allow: allow])
                    .handlerResponse.response
            }
            return APIError(.notFound, "Not found: \(request.method.rawValue) \(request.uri.path)").handlerResponse.response
        }
        if error.status.code >= 500 {
            context.logger.error("server error", metadata: ["error": "\(error)"])
        }
        return APIError(status: error.status, message: error.body ?? error.status.reasonPhrase, headers: error.headers).handlerResponse.response
    }
}
