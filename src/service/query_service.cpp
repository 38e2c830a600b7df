#include "service/services.h"

namespace lakehouse {

void QueryService::Register(http::Routes& routes) {
  routes.Post("/sql", [this](const httplib::Request& req, httplib::Response& res) {
    auto body = http::ParseJsonObject(req);
    if (!body.ok()) return http::SendError(res, body.status());
    auto sql = body->find("sql");
    if (sql == body->end() || !sql->is_string()) {
      return http::SendError(res, Status::InvalidArgument("the body needs a string field \"sql\"", "bad_request"));
    }
    auto output = engine_.Execute(sql->get<std::string>());
    if (!output.ok()) return http::SendError(res, output.status());
    res.status = 200;
    res.set_content(std::move(output->body), "application/json");
  });
}

}  // namespace lakehouse
