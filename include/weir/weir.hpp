#pragma once
// Everything a dataflow program uses, in one include.

#include "weir/connectors/files/file_source.hpp"
#include "weir/connectors/stdio/stdout_sink.hpp"
#include "weir/connectors/testing/testing_sink.hpp"
#include "weir/connectors/testing/testing_source.hpp"
#include "weir/inputs/batching.hpp"
#include "weir/inputs/clock.hpp"
#include "weir/inputs/errors.hpp"
#include "weir/inputs/simple_polling_source.hpp"
#include "weir/inputs/source.hpp"
#include "weir/operators/stateless.hpp"
#include "weir/outputs/sink.hpp"
#include "weir/runtime/core_operators.hpp"
#include "weir/runtime/dataflow.hpp"
#include "weir/runtime/run.hpp"
#include "weir/runtime/run_main.hpp"
#include "weir/runtime/stable_hash.hpp"
