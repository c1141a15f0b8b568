// CommandLine on CLI11: CLI11 splits the command line (`-w2`, `-w 2`, `--workers=2`, `--`,
// --help's layout); weir converts each value itself, so every message is weir's own and
// names the flag, or the WEIR_ variable a value came from.
#include "weir/runtime/command_line.hpp"

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <stdexcept>

#include "run_flags.hpp"
#include "weir/runtime/run_main.hpp"

namespace weir {

namespace {

void print_error(std::string_view message) { log::error("{}", message); }

/// The long name among "-n,--name" (the first name if there is none).
std::string long_name(const std::string& names) {
  std::string first;
  std::size_t start = 0;
  while (start <= names.size()) {
    std::size_t end = names.find(',', start);
    if (end == std::string::npos) {
      end = names.size();
    }
    std::string n = names.substr(start, end - start);
    if (n.starts_with("--")) {
      return n;
    }
    if (first.empty()) {
      first = n;
    }
    start = end + 1;
  }
  return first;
}

/// The value of the variable `env`, empty if it is unset or empty.
std::string env_value(const std::string& env) {
  if (env.empty()) {
    return {};
  }
  const char* v = std::getenv(env.c_str());
  return v == nullptr ? std::string() : std::string(v);
}

}  // namespace

/// A flag with a value: CLI11 fills `text`, `apply` converts it (throwing
/// std::invalid_argument with a message naming `flag`).
struct Setting {
  CLI::Option* option = nullptr;
  std::string flag;
  std::string env;
  std::string text;
  bool given = false;  // for flags without a value
  bool takes_value = true;
  std::function<void(const std::string& flag, const std::string& text)> apply;
};

struct PositionalArg {
  CLI::Option* option = nullptr;
  std::string name;
  std::string help;
  bool required = false;
  std::string text;
  std::function<void(const std::string&)> assign;
};

struct CommandLine::Parser {
  CLI::App app;
  std::vector<std::unique_ptr<Setting>> settings;
  std::vector<std::unique_ptr<PositionalArg>> positionals;
  std::vector<std::string>* rest = nullptr;
  std::vector<std::string> rest_text;
  bool help = false;
  bool version = false;

  explicit Parser(std::string description) : app(std::move(description)) {
    app.set_help_flag();  // weir prints the help itself
    app.add_flag("-h,--help", help, "show this help and exit");
    app.add_flag("--version", version, "show the version and exit");
    app.allow_extras();
    app.get_formatter()->column_width(34);
    app.get_formatter()->label("REQUIRED", "");
  }

  Setting& add(const std::string& names, const std::string& value_name, std::string help_text,
               const std::string& env,
               std::function<void(const std::string&, const std::string&)> apply) {
    auto s = std::make_unique<Setting>();
    const bool takes_value = !value_name.empty();
    s->flag = long_name(names);
    s->env = env;
    s->takes_value = takes_value;
    s->apply = std::move(apply);
    if (!env.empty()) {
      help_text += fmt::format(" [env {}]", env);
    }
    s->option = takes_value ? app.add_option(names, s->text, help_text)
                            : app.add_flag(names, s->given, help_text);
    if (takes_value) {
      s->option->type_name(value_name);
      s->option->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);  // the last one wins
    }
    settings.push_back(std::move(s));
    return *settings.back();
  }

  /// Applies every setting given on the command line, else by its variable.
  void apply_settings() {
    for (const auto& s : settings) {
      if (s->option->count() > 0) {
        s->apply(s->flag, s->takes_value ? s->text : "true");
        continue;
      }
      const std::string v = env_value(s->env);
      if (v.empty()) {
        continue;
      }
      try {
        s->apply(s->flag, v);
      } catch (const std::invalid_argument& e) {
        throw std::invalid_argument(fmt::format("{}={}: {}", s->env, v, e.what()));
      }
    }
  }

  void check_positionals() {
    for (const auto& p : positionals) {
      if (p->option->count() > 0) {
        p->assign(p->text);
      } else if (p->required) {
        throw std::invalid_argument(
            fmt::format("missing argument {} ({}); see --help", p->name, p->help));
      }
    }
    if (rest != nullptr) {
      *rest = rest_text;
    }
  }

  void check_remaining() const {
    const std::vector<std::string> left = app.remaining();
    if (left.empty()) {
      return;
    }
    const std::string& a = left.front();
    if (a.size() > 1 && a[0] == '-') {
      throw std::invalid_argument(fmt::format("unknown flag '{}'; see --help", a));
    }
    throw std::invalid_argument(fmt::format("unexpected argument '{}'; see --help", a));
  }
};

CommandLine::CommandLine(std::string description)
    : parser_(std::make_unique<Parser>(std::move(description))) {
  add_run_flags();
}

CommandLine::~CommandLine() = default;

void CommandLine::add_setting(const std::string& names, const std::string& value_name,
                              const std::string& help, const std::string& env,
                              std::function<void(const std::string&, const std::string&)> apply) {
  parser_->add(names, value_name, help, env, std::move(apply));
}

void CommandLine::option(const std::string& names, std::string& into, const std::string& help,
                         const std::string& env) {
  const std::string shown = into.empty() ? help : fmt::format("{} (default {})", help, into);
  add_setting(names, "TEXT", shown, env,
              [&into](const std::string& /*flag*/, const std::string& text) { into = text; });
}

void CommandLine::option(const std::string& names, std::size_t& into, const std::string& help,
                         const std::string& env) {
  add_setting(names, "N", fmt::format("{} (default {})", help, into), env,
              [&into](const std::string& flag, const std::string& text) {
                into = detail::parse_whole(flag, text);
              });
}

void CommandLine::option(const std::string& names, std::int64_t& into, const std::string& help,
                         const std::string& env) {
  add_setting(names, "INT", fmt::format("{} (default {})", help, into), env,
              [&into](const std::string& flag, const std::string& text) {
                into = detail::parse_integer(flag, text);
              });
}

void CommandLine::option(const std::string& names, double& into, const std::string& help,
                         const std::string& env) {
  add_setting(names, "NUMBER", fmt::format("{} (default {})", help, into), env,
              [&into](const std::string& flag, const std::string& text) {
                into = detail::parse_number(flag, text);
              });
}

void CommandLine::flag(const std::string& names, bool& into, const std::string& help,
                       const std::string& env) {
  add_setting(names, "", help, env, [&into](const std::string& flag, const std::string& text) {
    into = detail::parse_bool(flag, text);
  });
}

void CommandLine::positional(const std::string& name, std::string& into, const std::string& help) {
  auto p = std::make_unique<PositionalArg>();
  p->name = name;
  p->help = help;
  p->required = true;
  p->assign = [&into](const std::string& text) { into = text; };
  p->option = parser_->app.add_option(name, p->text, help)->required()->type_name("");
  parser_->positionals.push_back(std::move(p));
}

void CommandLine::positional(const std::string& name, std::optional<std::string>& into,
                             const std::string& help) {
  auto p = std::make_unique<PositionalArg>();
  p->name = name;
  p->help = help;
  p->assign = [&into](const std::string& text) { into = text; };
  p->option = parser_->app.add_option(name, p->text, help)->type_name("");
  parser_->positionals.push_back(std::move(p));
}

void CommandLine::rest(const std::string& name, std::vector<std::string>& into,
                       const std::string& help) {
  parser_->rest = &into;
  parser_->app.add_option(name, parser_->rest_text, help)->type_name("");
}

bool CommandLine::parse_or_throw(int argc, const char* const* argv) {
  Parser& p = *parser_;
  args_.argv.assign(argv, argv + argc);
  try {
    p.app.parse(argc, argv);
  } catch (const CLI::RequiredError& e) {
    // a required positional argument is missing: weir names it, unless --help or --version
    if (p.help || p.version) {
      return false;
    }
    p.check_positionals();
    throw std::invalid_argument(e.what());
  } catch (const CLI::ArgumentMismatch& e) {
    // CLI11 says "--workers: 1 required TEXT missing"
    const std::string m = e.what();
    const std::size_t colon = m.find(": ");
    const bool missing = colon != std::string::npos && m.ends_with(" missing");
    throw std::invalid_argument(missing ? m.substr(0, colon) + " needs a value" : m);
  } catch (const CLI::ParseError& e) {
    throw std::invalid_argument(e.what());
  }
  if (p.help || p.version) {
    return false;
  }
  p.check_remaining();
  p.apply_settings();
  p.check_positionals();
  detail::check_run_flags(args_);
  log::set_level(args_.log_level);
  return true;
}

std::optional<int> CommandLine::parse(int argc, const char* const* argv) {
  try {
    if (parse_or_throw(argc, argv)) {
      return std::nullopt;
    }
  } catch (const std::invalid_argument& e) {
    print_error(e.what());
    return 2;
  }
  if (parser_->help) {
    std::fputs(help().c_str(), stdout);
  } else {
    std::fputs(fmt::format("{} (weir {})\n", parser_->app.get_name(), WEIR_VERSION).c_str(),
               stdout);
  }
  return 0;
}

std::string CommandLine::help() const { return parser_->app.help(); }

int CommandLine::run(const Dataflow& flow) const { return run_main(flow, args_); }

int CommandLine::run(const std::string& flow_id,
                     const std::function<void(Dataflow&)>& define) const {
  std::unique_ptr<Dataflow> flow;
  try {
    flow = std::make_unique<Dataflow>(flow_id);
    define(*flow);
  } catch (const std::exception& e) {
    print_error(fmt::format("while defining the dataflow: {}", e.what()));
    return 1;
  }
  return run(*flow);
}

}  // namespace weir
