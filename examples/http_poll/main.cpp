// http_poll: prints the body of http://HOST:PORT/TARGET once a second, on the second,
// retrying failed requests after 200 ms, until the server answers 410 Gone.
//
//   http_poll [-w WORKERS] HOST PORT TARGET

#include <weir/weir.hpp>

#include "poller.hpp"

int main(int argc, char** argv) {
  int exit_code = 0;
  auto args = weir::RunArgs::parse_program(argc, argv, 3, "HOST PORT TARGET", exit_code);
  if (!args) return exit_code;
  http_poll::HttpPoller::Options o;
  o.host = args->positional[0];
  o.port = args->positional[1];
  o.target = args->positional[2];
  weir::Dataflow flow("http_poll");
  auto bodies = weir::op::input("poll", flow, http_poll::HttpPoller(o));
  weir::op::output("print", bodies, weir::stdio::StdOutSink<std::string>{});
  return weir::run_main(flow, *args);
}
