// http_poll: prints the body of http://HOST:PORT/TARGET once a second, on the second,
// retrying failed requests after 200 ms, until the server answers 410 Gone.
//
//   http_poll [-w WORKERS] HOST PORT TARGET

#include <weir/weir.hpp>

#include "poller.hpp"

int main(int argc, char** argv) {
  weir::CommandLine cli("Prints the body of http://HOST:PORT/TARGET once a second until 410 Gone.");
  http_poll::HttpPoller::Options o;
  cli.positional("HOST", o.host, "the server's host name or address");
  cli.positional("PORT", o.port, "the server's port");
  cli.positional("TARGET", o.target, "the path to request");
  if (auto exit_code = cli.parse(argc, argv)) return *exit_code;
  return cli.run("http_poll", [&](weir::Dataflow& flow) {
    auto bodies = weir::op::input("poll", flow, http_poll::HttpPoller(o));
    weir::op::output("print", bodies, weir::stdio::StdOutSink<std::string>{});
  });
}
