"""The C-simulation build of the projects the plugin converts: hls4ml's ``build_lib.sh``, made fast.

hls4ml writes ``build_lib.sh`` into every project and its ``compile()`` runs it, then loads
``firmware/<project>-<stamp>.so`` with ctypes (``<stamp>`` is the random ``Stamp`` hls4ml draws at every write, so
that a rewritten library is a new file the loader has not seen). After hls4ml's writer, the pass
:class:`CsimBuildScript` replaces that script, in the projects of graphs the plugin converted only, by one that
builds the same library

- at ``-O1 -fno-tree-pta`` instead of ``-O3`` (``HGQ_HLS4ML_CSIM_OPT`` overrides): csim needs correct results,
  not the fastest binary. g++'s optimiser is most of the build time and memory of a large model, and its points-to
  analysis (``tree PTA``) alone three quarters of an io_stream CNN's at ``-O1`` (it grows faster than linearly with
  a function's size). These flags simulate as fast as ``-O3``; ``-O0`` builds faster still but simulates 25-30x
  slower (README, *C-simulation build speed*);
- compiling its translation units at the same time;
- through a cache keyed by the content hash of every source file of the project (``firmware/``, the bridge), this
  script without its stamp, the flags and the compiler: building an unchanged project again, or another one
  whose sources are the same, copies the cached library to the name hls4ml loads instead of running g++
  (``HGQ_HLS4ML_NO_BUILD_CACHE=1`` switches the cache off, ``HGQ_HLS4ML_CACHE_DIR`` moves it from
  ``~/.cache/hgq_hls4ml``).

hls4ml's script compiles the absolute path of ``firmware/weights`` into the library (csim reads the weights from
there, ``nnet::load_weights_from_txt``); ours makes the library find them next to itself when it is loaded, so a
cached library serves any project with the same sources, reading that project's own weights. The cached library is
copied, never linked: the dynamic loader treats two names of one file as one library already loaded, and would hand
back the previous model's, weights and all.

Everything else in the project is hls4ml's: Vivado/Vitis HLS build from ``build_prj.tcl``, which does not use this
script.
"""

from __future__ import annotations

import os
import re
import warnings
from pathlib import Path

from hls4ml.model.optimizer import ModelOptimizerPass

from .. import hls4ml_api
from ..graph import is_hgq_graph
from ..progress import Progress

#: Name of the pass in hls4ml's registry; it runs last in the Vivado and Vitis writer flows.
PASS_NAME = 'hgq_csim_build_script'
NO_CACHE_ENV = 'HGQ_HLS4ML_NO_BUILD_CACHE'
CACHE_DIR_ENV = 'HGQ_HLS4ML_CACHE_DIR'
OPT_ENV = 'HGQ_HLS4ML_CSIM_OPT'
#: The optimisation flags of the csim library (hls4ml's own script uses -O3).
DEFAULT_OPT = '-O1 -fno-tree-pta'
#: Marks our script, so that writing a project twice rewrites it from hls4ml's each time.
MARK = '# hgq_hls4ml csim build'

_TEMPLATE = r"""#!/bin/bash
@MARK@ @VERSION@: hls4ml's build_lib.sh for this HGQ2 project, rewritten by hgq_hls4ml.
# The same C-simulation library (what hls4ml's compile() loads), built
# - with @OPT@ instead of -O3 (override: HGQ_HLS4ML_CSIM_OPT),
# - its translation units at the same time, the ap_types headers precompiled,
# - through a cache keyed by the content hash of every source file, this script without its stamp, the flags and
#   the compiler. HGQ_HLS4ML_NO_BUILD_CACHE=1 builds without the cache (nor the precompiled headers);
#   HGQ_HLS4ML_CACHE_DIR moves it (default ~/.cache/hgq_hls4ml).
# Vivado/Vitis HLS do not use this script (build_prj.tcl).
set -e

CC=g++
CFLAGS="${HGQ_HLS4ML_CSIM_OPT:-@OPT@} -fPIC"

# Include -std=c++23 if the compiler supports it (enables half and bfloat16 types, errors otherwise)
if echo "" | ${CC} -Werror -fsyntax-only -std=c++23 -xc++ - -o /dev/null &> /dev/null; then
  CFLAGS+=" -std=c++23"
else
  CFLAGS+=" -std=c++11"
fi

# Include -fno-gnu-unique if it is there
if echo "" | ${CC} -Werror -fsyntax-only -fno-gnu-unique -xc++ - -o /dev/null &> /dev/null; then
  CFLAGS+=" -fno-gnu-unique"
fi

LDFLAGS=
INCFLAGS="-Ifirmware/ap_types/"
PROJECT=@PROJECT@
LIB_STAMP=@STAMP@
BASEDIR="$(cd "$(dirname "$0")" && pwd)"
SCRIPT="${BASEDIR}/$(basename "$0")"
cd "${BASEDIR}"
LIB="firmware/${PROJECT}-${LIB_STAMP}.so"

# The weights (firmware/weights/*.txt, read by the library at its first call) are found next to the library
# when it is loaded, not at a path compiled in: a cached library then serves any project with the same sources.
WEIGHTS_DIR='[]() { const char *hgq_hls4ml_weights_dir(); return hgq_hls4ml_weights_dir(); }()'
WEIGHTS_DIR_CPP='#include <dlfcn.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
namespace {
char weights_dir[PATH_MAX + 8] = "weights";
struct FindWeightsDir { // when the library is loaded: <directory of the library>/weights
    FindWeightsDir() {
        Dl_info info;
        char path[PATH_MAX + 8];
        char *slash;
        if (dladdr(weights_dir, &info) && info.dli_fname && realpath(info.dli_fname, path) &&
            (slash = strrchr(path, "/"[0])) != NULL) {
            strcpy(slash, "/weights");
            strcpy(weights_dir, path);
        }
    }
} find_weights_dir;
} // namespace
namespace nnet {
const char *hgq_hls4ml_weights_dir() { return weights_dir; }
}'

# progress EVENT: a line to ${HGQ_HLS4ML_BUILD_PROGRESS}, if set (hgq_hls4ml's progress bar reads it)
progress() {
  [ -z "${HGQ_HLS4ML_BUILD_PROGRESS}" ] || printf '%s\n' "$1" >> "${HGQ_HLS4ML_BUILD_PROGRESS}" 2> /dev/null || true
}

# step NAME COMMAND...: run COMMAND, then report NAME done (whether or not it failed); its exit status
step() {
  local name="$1" rc=0
  shift
  "$@" || rc=$?
  progress "done ${name}"
  return "${rc}"
}

# build LIB [PCH]: compile the translation units at the same time (with the precompiled header PCH, if given),
# link LIB. A build that fails on the precompiled header is done again without it.
build() {
  local pids=() failed=0 pid pch=()
  [ -z "$2" ] || pch=(-include "$2")
  progress "total 4"
  step "firmware/${PROJECT}.cpp" ${CC} ${CFLAGS} ${INCFLAGS} "${pch[@]}" -D "WEIGHTS_DIR=${WEIGHTS_DIR}" \
    -c "firmware/${PROJECT}.cpp" -o "${PROJECT}.o" > "${PROJECT}.log" 2>&1 &
  pids+=($!)
  step "${PROJECT}_bridge.cpp" ${CC} ${CFLAGS} ${INCFLAGS} "${pch[@]}" -D "WEIGHTS_DIR=${WEIGHTS_DIR}" \
    -c "${PROJECT}_bridge.cpp" -o "${PROJECT}_bridge.o" > "${PROJECT}_bridge.log" 2>&1 &
  pids+=($!)
  printf '%s\n' "${WEIGHTS_DIR_CPP}" | step "weights directory" ${CC} ${CFLAGS} -xc++ -c - \
    -o "${PROJECT}_weights_dir.o" &
  pids+=($!)
  for pid in "${pids[@]}"; do wait "${pid}" || failed=1; done
  if [ "${failed}" = 0 ]; then
    step "link" ${CC} ${CFLAGS} ${INCFLAGS} -shared "${PROJECT}.o" "${PROJECT}_bridge.o" \
      "${PROJECT}_weights_dir.o" ${LDFLAGS} -ldl -o "$1" || failed=1
  elif [ -n "$2" ] && grep -qi 'pch\|precompiled' "${PROJECT}.log" "${PROJECT}_bridge.log"; then
    rm -f "${PROJECT}.o" "${PROJECT}_bridge.o" "${PROJECT}_weights_dir.o" "${PROJECT}.log" "${PROJECT}_bridge.log"
    build "$1"
    return
  fi
  cat "${PROJECT}.log" "${PROJECT}_bridge.log"
  rm -f "${PROJECT}.o" "${PROJECT}_bridge.o" "${PROJECT}_weights_dir.o" "${PROJECT}.log" "${PROJECT}_bridge.log"
  return "${failed}"
}

if command -v sha256sum > /dev/null; then
  SHA256=sha256sum
elif command -v shasum > /dev/null; then
  SHA256="shasum -a 256"
else
  SHA256=
fi

# sha256 (40 hex digits) of its input and the compiler; fails if any of it cannot be read
key_of() (
  set -o pipefail
  compiler="$(command -v "${CC}" && ${CC} --version && ${CC} -dumpmachine)" || exit 1
  { cat && printf '%s\n' "${compiler}"; } | ${SHA256} | cut -c1-40
)

# "name" lines of every file found by find with these arguments (sorted), and their sha256
files_hash() (
  set -o pipefail
  find "$@" -type f -print0 | LC_ALL=C sort -z | xargs -0 ${SHA256}
)

# The library's key: this script but its stamp, the flags, the compiler, and every file under firmware/ (but the
# libraries and the weights, which the library reads at run time) and the bridge, with their names.
cache_key() (
  set -o pipefail
  files="$(files_hash firmware "${PROJECT}_bridge.cpp" ! -name '*.so' ! -name '*.tmp' \
    ! -path 'firmware/weights/*.txt')" || exit 1
  { grep -v '^LIB_STAMP=' "${SCRIPT}" && printf '%s\n' "${CFLAGS}" "${INCFLAGS}" "${LDFLAGS}" "${files}"; } | key_of
)

# The ap_types headers, precompiled once per header contents, flags and compiler, in the cache; prints the header
# to -include (g++ takes the header itself where it cannot use the precompiled one, <header>.gch).
PCH_HEADER='#include "ap_fixed.h"
#include "ap_int.h"
#include "hls_stream.h"'
precompiled_header() (
  set -o pipefail
  files="$(files_hash firmware/ap_types)" || exit 1
  key="$(printf '%s\n' "${PCH_HEADER}" "${CFLAGS}" "${INCFLAGS}" "${WEIGHTS_DIR}" "${files}" | key_of)" || exit 1
  header="${CACHE_DIR}/ap_types-${key}.h"
  if [ ! -f "${header}.gch" ]; then
    mkdir -p "${CACHE_DIR}" || exit 1
    printf '%s\n' "${PCH_HEADER}" > "${header}.$$.tmp" && mv -f "${header}.$$.tmp" "${header}" || exit 1
    ${CC} ${CFLAGS} ${INCFLAGS} -D "WEIGHTS_DIR=${WEIGHTS_DIR}" -x c++-header "${header}" -o "${header}.gch.$$.tmp" \
      && mv -f "${header}.gch.$$.tmp" "${header}.gch"
    rm -f "${header}.gch.$$.tmp"
  fi
  [ -f "${header}.gch" ] && touch "${header}" "${header}.gch" && echo "${header}"
)

CACHE_DIR="${HGQ_HLS4ML_CACHE_DIR:-${XDG_CACHE_HOME:-${HOME}/.cache}/hgq_hls4ml}/csim"
KEY=
if [ -n "${SHA256}" ] && { [ -z "${HGQ_HLS4ML_NO_BUILD_CACHE}" ] || [ "${HGQ_HLS4ML_NO_BUILD_CACHE}" = 0 ]; }; then
  KEY="$(cache_key 2> /dev/null)" || KEY=
fi

if [ -n "${KEY}" ] && [ -f "${CACHE_DIR}/${KEY}.so" ] \
  && cp "${CACHE_DIR}/${KEY}.so" "${LIB}.$$.tmp" 2> /dev/null && mv -f "${LIB}.$$.tmp" "${LIB}"; then
  touch "${CACHE_DIR}/${KEY}.so" 2> /dev/null || true
  echo "hgq_hls4ml build cache: hit ${KEY} (${CACHE_DIR})"
  progress "cached"
  exit 0
fi
rm -f "${LIB}.$$.tmp"

PCH=
[ -z "${KEY}" ] || { progress "precompiling headers"; PCH="$(precompiled_header 2> /dev/null)"; } || PCH=
build "${LIB}.$$.tmp" "${PCH}" || { rm -f "${LIB}.$$.tmp"; exit 1; }
mv -f "${LIB}.$$.tmp" "${LIB}"

if [ -n "${KEY}" ]; then
  if mkdir -p "${CACHE_DIR}" 2> /dev/null && cp "${LIB}" "${CACHE_DIR}/${KEY}.so.$$.tmp" 2> /dev/null \
    && mv -f "${CACHE_DIR}/${KEY}.so.$$.tmp" "${CACHE_DIR}/${KEY}.so"; then
    echo "hgq_hls4ml build cache: stored ${KEY} (${CACHE_DIR})"
  fi
  rm -f "${CACHE_DIR}/${KEY}.so.$$.tmp"
  # what was not used for 30 days, and what interrupted builds left
  find "${CACHE_DIR}" -maxdepth 1 \( -name '*.so' -mtime +30 -o -name 'ap_types-*' -mtime +30 \
    -o -name '*.tmp' -mmin +60 \) -delete 2> /dev/null || true
fi
"""


def cache_dir() -> Path:
    """The cache directory (``HGQ_HLS4ML_CACHE_DIR``, else ``$XDG_CACHE_HOME/hgq_hls4ml``, else
    ``~/.cache/hgq_hls4ml``); the script keeps its libraries in ``csim/`` under it."""
    if os.environ.get(CACHE_DIR_ENV):
        return Path(os.environ[CACHE_DIR_ENV])
    return Path(os.environ.get('XDG_CACHE_HOME') or Path.home() / '.cache') / 'hgq_hls4ml'


#: Version of the script's build recipe, part of the cache key (the script's text is).
VERSION = 2


def render(project: str, stamp: str, opt: str = DEFAULT_OPT) -> str:
    """Our ``build_lib.sh`` for the project ``project`` with hls4ml's stamp ``stamp``."""
    text = _TEMPLATE
    for name, value in (('MARK', MARK), ('VERSION', f'v{VERSION}'), ('OPT', opt), ('PROJECT', project)):
        text = text.replace(f'@{name}@', value)
    return text.replace('@STAMP@', stamp)


_LINE = re.compile(r'^(PROJECT|LIB_STAMP)=(\S+)$', re.MULTILINE)


def rewrite(path: Path, project: str, stamp: str) -> bool:
    """Replace hls4ml's ``build_lib.sh`` at ``path`` by ours; leave a script of another form alone (warning)."""
    text = path.read_text()
    found = dict(_LINE.findall(text))
    if found != {'PROJECT': project, 'LIB_STAMP': stamp} or '-c firmware/${PROJECT}.cpp' not in text:
        warnings.warn(
            f'hgq_hls4ml: {path} is not in the form hls4ml 1.3 writes; left as it is (the C simulation builds '
            "without the build cache, at hls4ml's -O3)",
            stacklevel=2,
        )
        return False
    mode = path.stat().st_mode
    path.write_text(render(project, stamp))
    path.chmod(mode)
    return True


class CsimBuildScript(ModelOptimizerPass):
    """Writer pass ``hgq_csim_build_script``: our ``build_lib.sh`` in the projects of HGQ2 graphs (see the module),
    and the batch entry points in their bridge (:mod:`hgq_hls4ml.csim.batch`)."""

    def __init__(self, name: str = PASS_NAME):
        self.name = name

    def transform(self, model) -> bool:
        if not is_hgq_graph(model):
            return False
        from .batch import add_batch_entry

        add_batch_entry(model)
        script, project, stamp = hls4ml_api.csim_build_script(model)
        return rewrite(script, project, stamp)


#: The file our script reports its build steps to, one line each (``total N``, ``done NAME``, ``cached``).
PROGRESS_ENV = 'HGQ_HLS4ML_BUILD_PROGRESS'


def compile_model(hls_model, progress: Progress | None = None) -> None:
    """``hls_model.compile()``, showing the build of each translation unit on ``progress``."""
    if progress is None or not progress.enabled:
        hls_model.compile()
        return
    import tempfile
    import threading

    with tempfile.TemporaryDirectory(prefix='hgq_hls4ml_build_') as tmp:
        events = Path(tmp) / 'progress'
        events.touch()
        done = threading.Event()
        with progress.step('compile (g++)', total=4) as advance:

            def follow() -> None:
                with events.open() as lines:
                    while not done.wait(0.1):
                        for line in lines.readlines():
                            if line.startswith('done ') or line.startswith('cached'):
                                advance(4 if line.startswith('cached') else 1)

            reader = threading.Thread(target=follow, daemon=True)
            reader.start()
            previous = os.environ.get(PROGRESS_ENV)
            os.environ[PROGRESS_ENV] = str(events)
            try:
                hls_model.compile()
            finally:
                done.set()
                reader.join()
                if previous is None:
                    del os.environ[PROGRESS_ENV]
                else:
                    os.environ[PROGRESS_ENV] = previous
