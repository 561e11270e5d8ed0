#!/usr/bin/env python3
"""A stand-in for ``vitis_hls -f build_prj.tcl`` (and ``vitis-run --tcl build_prj.tcl --mode hls``) for the tests.

It does what hls4ml's ``build_prj.tcl`` makes the real tool do, without any Tcl: reads ``project.tcl``
(``project_name``, ``part``, ``clock_period``) and ``build_opt.tcl`` (which steps), prints a Vitis-HLS-like log
(banner, ``INFO: [HLS 200-...]`` lines, the ``***** C SIMULATION *****`` markers and ``***** ... COMPLETED IN
0h0m0s *****``), and writes real report files, copied from ``tests/data/reports`` and renamed to the project's
top, where the real tool puts them:

- csim:   ``<prj>/solution1/csim/report/<top>_csim.log`` (conv2d_test, Vivado HLS 2019.2, pass)
- synth:  ``<prj>/solution1/syn/report/{<top>_csynth.xml,<top>_csynth.rpt,csynth.xml}`` (ece226, Vitis 2024.1:
  latency 395 cycles, LUT 17966, DSP 467) and a placeholder ``syn/verilog/<top>.v``
- cosim:  ``<prj>/solution1/sim/report/<top>_cosim.rpt`` (vecdot, Vitis 2020.1: Verilog Pass, latency 10099)
- export: ``<prj>/solution1/impl/ip/component.xml`` (placeholder)
- vsynth: ``vivado_synth.rpt`` in the project directory (ece226, Vivado 2024.1: LUT 8565)

plus ``<prj>/hls.app`` (ece226's). ``myproject`` in copied file names and contents becomes the project name.
Message texts follow real logs (tests/data/reports and public issue threads); build numbers, the compiler error
and the message for cosim/export without synthesis results are this fake's own.

Environment:

- ``FAKE_VITIS_MODE``: ``ok`` (default); ``fail`` (ERROR lines, Tcl trace, exit 1); ``error_exit0`` (the same
  ERROR lines, exit 0); ``hang`` (starts a child process, waits until it is ready, prints ``Starting helper
  <child pid>``, writes ``"<pid> <child pid>"`` to ``fake_vitis.pids`` in the project directory, then sleeps
  forever, as does the child; see ``fake_vitis.events`` below); ``crash`` (partial output, then killed by
  SIGSEGV); ``license`` ([Common 17-345]); ``part`` ([HLS 200-1023] at ``set_part``); ``csim_mismatch`` (the
  testbench's main returns 1; other steps pass); ``no_vivado`` (vsynth: hls4ml's ``exec vivado`` finds no vivado).
- ``FAKE_VITIS_FAIL_STEP``: apply the mode only in a run whose requested steps include this one (default: always).
- ``FAKE_VITIS_DELAY``: seconds of "work" per step (default 0.2): half after opening the project, half after the
  step's first command.
- ``FAKE_VITIS_IGNORE_TERM=1``: in ``hang`` mode, the tool and its child ignore SIGTERM (only SIGKILL stops them).
- ``FAKE_VITIS_HOLD=1``: after a step's first command (``INFO: [HLS 200-1510] Running: csynth_design``, ...), print
  nothing more until the file ``fake_vitis.go.<step>`` exists in the project directory (at most 60 s), so that a
  test sees the step running before it lets the step go on.
- ``FAKE_VITIS_RECORD``: append one JSON line per run (argv, cwd, pid, pgid, sid, steps) to this file.
- ``FAKE_VITIS_VERSION``: version in the banner (default 2024.1).

In ``hang`` mode the tool and its child append what happens to them to ``fake_vitis.events`` in the project
directory, one line each, in order: ``child <pid> ready`` (its SIGTERM handler is installed), ``tool <pid> hanging``
(just before ``fake_vitis.pids`` appears), then, per process, ``<tool|child> <pid> SIGTERM`` (it dies of the signal
next) or ``<tool|child> <pid> SIGTERM ignored``. SIGKILL leaves no line: the tool's exit status (-9) shows it.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / 'data' / 'reports'
SYN_SOURCE = DATA / 'ece226_vitis2024.1_hls4ml'
CSIM_PASS = DATA / 'conv2d_test_vivadohls2019.2_hls4ml' / 'myproject_csim.log'
CSIM_COMPILE_FAIL = DATA / 'hgdream_vitis2023.1_hls4ml' / 'myproject_csim.log'
COSIM_PASS = DATA / 'vecdot_vitis2020.1_undef' / 'VecDotProduct_cosim.rpt'
COSIM_FAIL = DATA / 'hgdream_vitis2023.1_hls4ml' / 'myproject_cosim.rpt'
STEPS = ('csim', 'synth', 'cosim', 'export', 'vsynth')
MARKERS = {
    'csim': 'C SIMULATION',
    'synth': 'C/RTL SYNTHESIS',
    'cosim': 'C/RTL SIMULATION',
    'export': 'EXPORT IP',
    'vsynth': 'VIVADO SYNTHESIS',
}
PIDS = 'fake_vitis.pids'
EVENTS = 'fake_vitis.events'
#: Longest wait of the fake for something it expects (a test's go-ahead, its own child starting).
PATIENCE = 60.0
TCL_TRACE = [
    '    while executing',
    '"source build_prj.tcl"',
    '    ("uplevel" body line 1)',
    '    invoked from within',
    '"uplevel \\#0 [list source $arg] "',
]


def log_event(events: Path, line: str) -> None:
    """Append one line to the events file (one short ``O_APPEND`` write: lines of two processes do not mix)."""
    with open(events, 'a') as file:
        file.write(line + '\n')


def wait_for(condition, seconds: float = PATIENCE) -> bool:
    """Poll ``condition`` until it holds or ``seconds`` have passed; whether it holds."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def handle_sigterm(events: Path, role: str, ignore: bool) -> None:
    """On SIGTERM: log it, then die of it (the default action) or, with ``ignore``, go on."""

    def on_term(signum: int, frame: object) -> None:
        log_event(events, f'{role} {os.getpid()} SIGTERM{" ignored" if ignore else ""}')
        if not ignore:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGTERM)

    signal.signal(signal.SIGTERM, on_term)


def hang_child(events: Path, ignore: bool) -> None:
    """The helper process of ``hang`` mode (``fake_vitis_hls.py --hang-child EVENTS 0|1``)."""
    handle_sigterm(events, 'child', ignore)
    log_event(events, f'child {os.getpid()} ready')
    while True:
        time.sleep(60)


class Fake:
    def __init__(self, tool: str) -> None:
        self.tool = tool
        self.mode = os.environ.get('FAKE_VITIS_MODE', 'ok')
        self.fail_step = os.environ.get('FAKE_VITIS_FAIL_STEP') or None
        self.delay = float(os.environ.get('FAKE_VITIS_DELAY', '0.2'))
        self.version = os.environ.get('FAKE_VITIS_VERSION', '2024.1')
        self.cwd = Path.cwd()
        self.started = time.monotonic()

    # ------------------------------------------------------------------ output

    def say(self, *lines: str) -> None:
        for line in lines:
            print(line, flush=True)

    def work(self) -> None:
        """Half of ``FAKE_VITIS_DELAY``: once after opening the project, once per step after its first command."""
        time.sleep(self.delay / 2)

    def exit(self, code: int) -> None:
        elapsed = time.monotonic() - self.started
        self.say(
            f'INFO: [HLS 200-112] Total CPU user time: {elapsed:.2f} seconds. Total CPU system time: 0.41 seconds. '
            f'Total elapsed time: {elapsed:.2f} seconds; peak allocated memory: 1.083 GB.',
            f'INFO: [Common 17-206] Exiting {self.tool} at {time.strftime("%a %b %d %H:%M:%S %Y")}...',
        )
        sys.exit(code)

    def tcl_error(self, *lines: str) -> None:
        """A failed Tcl command: its messages, the Tcl stack trace, then exit 1 (exit 0 in ``error_exit0`` mode)."""
        self.say(*lines)
        if self.mode == 'error_exit0':
            self.exit(0)
        self.say(*TCL_TRACE, '')
        self.exit(1)

    def banner(self) -> None:
        self.say(
            '',
            f'****** Vitis HLS - High-Level Synthesis from C, C++ and OpenCL v{self.version} (64-bit)',
            '  **** SW Build 5069499 on May 21 2024',
            '  **** IP Build 5075265 on Wed May 22 21:45:21 MDT 2024',
            '  **** SharedData Build 5076995 on Wed May 22 18:29:18 MDT 2024',
            f'  **** Start of session at: {time.strftime("%a %b %d %H:%M:%S %Y")}',
            '    ** Copyright 1986-2022 Xilinx, Inc. All Rights Reserved.',
            '    ** Copyright 2022-2024 Advanced Micro Devices, Inc. All Rights Reserved.',
            '',
            f'source /opt/Xilinx/Vitis_HLS/{self.version}/scripts/vitis_hls/hls.tcl -notrace',
            f"INFO: [HLS 200-10] Running '{Path(__file__).resolve()}'",
            f"INFO: [HLS 200-10] For user '{os.environ.get('USER', 'user')}' on host 'localhost' "
            f'(Linux_x86_64 version {os.uname().release}) on {time.strftime("%a %b %d %H:%M:%S %Z %Y")}',
            f"INFO: [HLS 200-10] In directory '{self.cwd}'",
        )

    # ------------------------------------------------------------------ files

    def copy(self, source: Path, target: Path) -> None:
        """Copy a real report, renaming ``myproject`` to this project's top (in the content too)."""
        target.parent.mkdir(parents=True, exist_ok=True)
        text = source.read_text(errors='surrogateescape')
        target.write_text(text.replace('myproject', self.top), errors='surrogateescape')

    # ------------------------------------------------------------------ run

    def run(self, args: list[str]) -> None:
        script = self.parse_args(args)
        self.banner()
        if not (self.cwd / script).is_file():
            self.say(f'couldn\'t read file "{script}": no such file or directory')
            self.exit(1)
        self.say(f"Sourcing Tcl script '{script}'", f'INFO: [HLS 200-1510] Running: source {script}')
        project = self.read_tcl('project.tcl')
        options = self.read_tcl('build_opt.tcl')
        self.top = project.get('project_name', 'myproject')
        self.part = project.get('part', 'xcvu13p-flga2577-2-e')
        self.clock = project.get('clock_period', '5')
        self.steps = [step for step in STEPS if options.get(step, '0') == '1']
        self.record(args)
        if self.fail_step and self.fail_step not in self.steps:
            self.mode = 'ok'
        self.prj = self.cwd / f'{self.top}_prj'
        self.solution = self.prj / 'solution1'
        self.open_project(reset=options.get('reset') == '1')
        self.work()
        for step in self.steps:
            getattr(self, f'step_{step}')()
        self.exit(0)

    def parse_args(self, args: list[str]) -> str:
        if args and args[0] in ('-version', '--version'):
            print(f'Vitis HLS v{self.version} (64-bit)', flush=True)
            sys.exit(0)
        for flag in ('-f', '--tcl'):
            if flag in args and args.index(flag) + 1 < len(args):
                return args[args.index(flag) + 1]
        print(f'ERROR: [HLS 200-101] unknown arguments {args!r}; use -f <script.tcl>', flush=True)
        sys.exit(1)

    def read_tcl(self, name: str) -> dict[str, str]:
        path = self.cwd / name
        if not path.is_file():
            self.tcl_error(f'couldn\'t read file "{path}": no such file or directory')
        text = path.read_text()
        values = {
            m.group(1): m.group(2) or m.group(3)
            for m in re.finditer(r'^\s*set\s+(\w+)\s+(?:"([^"]*)"|(\S+))', text, re.MULTILINE)
        }
        block = re.search(r'array\s+set\s+opt\s*\{([^}]*)\}', text)
        if block:
            values.update(re.findall(r'(\w+)\s+(\S+)', block.group(1)))
        return values

    def record(self, args: list[str]) -> None:
        target = os.environ.get('FAKE_VITIS_RECORD')
        if not target:
            return
        entry = {
            'tool': self.tool,
            'args': args,
            'cwd': str(self.cwd),
            'pid': os.getpid(),
            'pgid': os.getpgid(0),
            'sid': os.getsid(0),
            'steps': self.steps,
        }
        with open(target, 'a') as file:
            file.write(json.dumps(entry) + '\n')

    def failing(self, step: str) -> bool:
        return self.mode != 'ok' and (self.fail_step is None or self.fail_step == step)

    def open_project(self, reset: bool) -> None:
        existed = self.prj.is_dir()
        self.prj.mkdir(exist_ok=True)
        self.copy(SYN_SOURCE / 'hls.app', self.prj / 'hls.app')
        verb = 'Opening and resetting' if reset else ('Opening' if existed else 'Creating and opening')
        self.say(
            f'INFO: [HLS 200-1510] Running: open_project {self.top}_prj',
            f"INFO: [HLS 200-10] {verb} project '{self.prj}'.",
            f'INFO: [HLS 200-1510] Running: set_top {self.top}',
            f'INFO: [HLS 200-1510] Running: add_files firmware/{self.top}.cpp -cflags -std=c++0x',
            f"INFO: [HLS 200-10] Adding design file 'firmware/{self.top}.cpp' to the project",
            f'INFO: [HLS 200-1510] Running: add_files -tb {self.top}_test.cpp -cflags -std=c++0x',
            f"INFO: [HLS 200-10] Adding test bench file '{self.top}_test.cpp' to the project",
            'INFO: [HLS 200-1510] Running: add_files -tb firmware/weights',
            "INFO: [HLS 200-10] Adding test bench file 'firmware/weights' to the project",
            'INFO: [HLS 200-1510] Running: add_files -tb tb_data',
            "INFO: [HLS 200-10] Adding test bench file 'tb_data' to the project",
            'INFO: [HLS 200-1510] Running: open_solution solution1',
            f'INFO: [HLS 200-10] {"Opening" if self.solution.is_dir() else "Creating and opening"} solution '
            f"'{self.solution}'.",
            "INFO: [HLS 200-1505] Using default flow_target 'vivado'",
            'INFO: [HLS 200-1510] Running: config_compile -name_max_length 80',
            'INFO: [XFORM 203-1161] The maximum of name length is set to 80.',
            f'INFO: [HLS 200-1510] Running: set_part {self.part}',
        )
        self.solution.mkdir(exist_ok=True)
        if self.mode == 'part':  # set_part runs in every step's process
            self.tcl_error(
                f"ERROR: [HLS 200-1023] Part '{self.part}' is not installed.",
                "command 'ap_source' returned error code",
            )
        self.say(
            f"INFO: [HLS 200-1611] Setting target device to '{self.part}'",
            f'INFO: [HLS 200-1510] Running: create_clock -period {self.clock} -name default',
            f"INFO: [SYN 201-201] Setting up clock 'default' with a period of {self.clock}ns.",
            'INFO: [HLS 200-1510] Running: set_clock_uncertainty 27% default',
        )

    def begin(self, step: str, command: str) -> None:
        self.say(f'***** {MARKERS[step]} *****', f'INFO: [HLS 200-1510] Running: {command}')
        if os.environ.get('FAKE_VITIS_HOLD') == '1':
            wait_for((self.cwd / f'fake_vitis.go.{step}').is_file)
        self.work()
        if not self.failing(step):
            return
        if self.mode == 'license':
            feature, device = ('Synthesis' if step == 'vsynth' else 'HLS'), self.part.split('-')[0]
            self.tcl_error(
                f"ERROR: [Common 17-345] A valid license was not found for feature '{feature}' and/or device "
                f"'{device}'. Please run the Vivado License Manager for assistance in determining",
                'which features and devices are licensed for your system.',
                'Resolution: Check the status of your licenses in the Vivado License Manager. For debug help search '
                'Xilinx Support for "Licensing FAQ".',
            )
        if self.mode == 'hang':
            self.hang()
        if self.mode == 'crash':
            self.crash()

    def end(self, step: str) -> None:
        seconds = int(time.monotonic() - self.started)
        self.say(f'***** {MARKERS[step]} COMPLETED IN 0h{seconds // 60}m{seconds % 60}s *****')

    def hang(self) -> None:
        """Hang with a child process; ``fake_vitis.pids`` appears only once both handle SIGTERM (module doc)."""
        ignore = os.environ.get('FAKE_VITIS_IGNORE_TERM') == '1'
        events = self.cwd / EVENTS
        handle_sigterm(events, 'tool', ignore)
        flag = '1' if ignore else '0'
        child = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), '--hang-child', str(events), flag])
        ready = f'child {child.pid} ready'

        def started() -> bool:
            return events.is_file() and ready in events.read_text().splitlines()

        wait_for(lambda: started() or child.poll() is not None)
        if not started():
            self.say(f'ERROR: fake vitis_hls: helper {child.pid} did not start')
            self.exit(1)
        self.say('INFO: [HLS 200-10] Analyzing design file ...', f'INFO: [HLS 200-10] Starting helper {child.pid}')
        log_event(events, f'tool {os.getpid()} hanging')
        partial = self.cwd / f'{PIDS}.partial'
        partial.write_text(f'{os.getpid()} {child.pid}\n')
        partial.replace(self.cwd / PIDS)  # whoever sees the file reads both pids
        while True:
            time.sleep(60)

    def crash(self) -> None:
        self.say('INFO: [HLS 200-10] Starting code transformations ...')
        print(  # the crash handler writes to stderr
            '#',
            '# An unexpected error has occurred (11)',
            '#',
            'Stack:',
            '/lib/x86_64-linux-gnu/libc.so.6(+0x42520) [0x7f3a1c642520]',
            'Abnormal program termination (11)',
            f"Please check '{self.cwd}/hs_err_pid{os.getpid()}.log' for details",
            sep='\n',
            file=sys.stderr,
            flush=True,
        )
        try:
            import resource

            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        except (ImportError, ValueError, OSError):
            pass
        os.kill(os.getpid(), signal.SIGSEGV)
        time.sleep(10)

    # ------------------------------------------------------------------ steps

    def step_csim(self) -> None:
        self.begin('csim', 'csim_design')
        report = self.solution / 'csim' / 'report' / f'{self.top}_csim.log'
        self.say(
            'INFO: [SIM 211-2] *************** CSIM start ***************',
            'INFO: [SIM 211-4] CSIM will launch GCC as the compiler.',
            f'   Compiling ../../../../{self.top}_test.cpp in debug mode',
            f'   Compiling ../../../../firmware/{self.top}.cpp in debug mode',
            '   Generating csim.exe',
        )
        if self.failing('csim') and self.mode in ('fail', 'error_exit0'):
            self.copy(CSIM_COMPILE_FAIL, report)
            self.tcl_error(
                f"firmware/{self.top}.cpp:42:5: error: use of undeclared identifier 'layer2_out'",
                '1 error generated.',
                f'make: *** [Makefile.rules:323: obj/{self.top}.o] Error 1',
                "ERROR: [SIM 211-100] 'csim_design' failed: compilation error(s).",
                'INFO: [SIM 211-3] *************** CSIM finish ***************',
            )
        self.say(
            'Processing input 0', 'Predictions', '0 1 0 0 0 0 0 0 0 0', 'Quantized predictions', '0 1 0 0 0 0 0 0 0 0'
        )
        (self.cwd / 'tb_data').mkdir(exist_ok=True)
        (self.cwd / 'tb_data' / 'csim_results.log').write_text('0 1 0 0 0 0 0 0 0 0 \n')
        self.say('INFO: Saved inference results to file: tb_data/csim_results.log')
        if self.failing('csim') and self.mode == 'csim_mismatch':
            lines = [
                'INFO: [SIM 2] *************** CSIM start ***************',
                'INFO: [SIM 4] CSIM will launch GCC as the compiler.',
                '   Generating csim.exe',
                "@E Simulation failed: Function 'main' returns nonzero value '1'.",
                "ERR: [SIM 100] 'csim_design' failed: nonzero return value.",
                'INFO: [SIM 3] *************** CSIM finish ***************',
            ]
            report.parent.mkdir(parents=True, exist_ok=True)
            report.write_text('\n'.join(lines) + '\n')
            self.tcl_error(
                "@E Simulation failed: Function 'main' returns nonzero value '1'.",
                "ERROR: [SIM 211-100] 'csim_design' failed: nonzero return value.",
                'INFO: [SIM 211-3] *************** CSIM finish ***************',
                '4',
            )
        self.copy(CSIM_PASS, report)
        self.say(
            'INFO: [SIM 211-1] CSim done with 0 errors.',
            'INFO: [SIM 211-3] *************** CSIM finish ***************',
            'INFO: [HLS 200-111] Finished Command csim_design CPU user time: 4.1 seconds. CPU system time: 0.8 '
            'seconds. Elapsed time: 4.7 seconds; current allocated memory: 0.000 MB.',
        )
        self.end('csim')

    def step_synth(self) -> None:
        self.begin('synth', 'csynth_design')
        self.say(
            f"INFO: [HLS 200-10] Analyzing design file 'firmware/{self.top}.cpp' ...",
            "INFO: [HLS 200-777] Using interface defaults for 'Vivado' flow target.",
            'INFO: [HLS 200-111] Finished Source Code Analysis and Preprocessing: CPU user time: 12.3 seconds.',
        )
        if self.failing('synth') and self.mode in ('fail', 'error_exit0'):
            self.tcl_error(
                f"ERROR: [HLS 207-3776] use of undeclared identifier 'layer2_out' (firmware/{self.top}.cpp:42:5)",
                'ERROR: [HLS 200-1715] Encountered problem during source synthesis',
                "command 'ap_source' returned error code",
            )
        self.say(
            'INFO: [HLS 200-10] Starting code transformations ...',
            'INFO: [HLS 200-111] Finished Standard Transforms: CPU user time: 20.1 seconds.',
            'INFO: [HLS 200-10] Checking synthesizability ...',
            'INFO: [HLS 200-10] Starting hardware synthesis ...',
            f"INFO: [HLS 200-10] Synthesizing '{self.top}' ...",
            'INFO: [SCHED 204-11] Starting scheduling ...',
            'INFO: [SCHED 204-11] Finished scheduling.',
            'INFO: [BIND 205-100] Starting micro-architecture generation ...',
            'INFO: [BIND 205-100] Finished micro-architecture generation.',
            f"INFO: [HLS 200-10] -- Generating RTL for module '{self.top}'",
            'INFO: [HLS 200-789] **** Estimated Fmax: 283.29 MHz',
        )
        report_dir = self.solution / 'syn' / 'report'
        for name in ('myproject_csynth.xml', 'myproject_csynth.rpt', 'csynth.xml'):
            self.copy(SYN_SOURCE / name, report_dir / name.replace('myproject', self.top))
        verilog = self.solution / 'syn' / 'verilog' / f'{self.top}.v'
        verilog.parent.mkdir(parents=True, exist_ok=True)
        verilog.write_text(f'// placeholder RTL written by the fake vitis_hls\nmodule {self.top}();\nendmodule\n')
        self.say(
            'INFO: [HLS 200-111] Finished Command csynth_design CPU user time: 61.2 seconds. CPU system time: 2.1 '
            'seconds. Elapsed time: 64.8 seconds; current allocated memory: 512.004 MB.',
        )
        self.end('synth')

    def need_rtl(self, what: str) -> None:
        if not (self.solution / 'syn' / 'verilog').is_dir():
            self.tcl_error(f'ERROR: {what}: no synthesis results found; run csynth_design first.')

    def step_cosim(self) -> None:
        self.begin('cosim', 'cosim_design -trace_level all -setup')
        self.need_rtl('cosim_design')
        report = self.solution / 'sim' / 'report' / f'{self.top}_cosim.rpt'
        self.say(
            'INFO: [COSIM 212-47] Using XSIM for RTL simulation.',
            'INFO: [COSIM 212-14] Instrumenting C test bench ...',
            'INFO: [COSIM 212-302] Starting C TB testing ...',
            'INFO: [COSIM 212-333] Generating C post check test bench ...',
            'INFO: [COSIM 212-12] Generating RTL test bench ...',
            'INFO: [COSIM 212-323] Starting verilog simulation.',
            'INFO: [COSIM 212-15] Starting XSIM ...',
        )
        if self.failing('cosim') and self.mode in ('fail', 'error_exit0'):
            self.copy(COSIM_FAIL, report)
            self.tcl_error('ERROR: [COSIM 212-4] *** C/RTL co-simulation finished: FAIL ***')
        self.copy(COSIM_PASS, report)
        self.say(
            'INFO: [COSIM 212-316] Starting C post checking ...',
            'INFO: [COSIM 212-1000] *** C/RTL co-simulation finished: PASS ***',
            'INFO:',
            *report.read_text().splitlines(),
        )
        self.end('cosim')

    def step_export(self) -> None:
        self.begin('export', 'export_design -format ip_catalog -version 1.0.0')
        self.need_rtl('export_design')
        if self.failing('export') and self.mode in ('fail', 'error_exit0'):
            self.tcl_error('ERROR: [IMPL 213-28] Failed to generate IP.')
        self.say('INFO: [IMPL 213-8] Exporting RTL as a Vivado IP.')
        component = self.solution / 'impl' / 'ip' / 'component.xml'
        component.parent.mkdir(parents=True, exist_ok=True)
        component.write_text(f'<!-- placeholder IP-XACT written by the fake vitis_hls for {self.top} -->\n')
        self.end('export')

    def step_vsynth(self) -> None:
        self.say(f'***** {MARKERS["vsynth"]} *****')
        if not (self.solution / 'syn' / 'verilog').is_dir():  # hls4ml's build_prj.tcl checks this itself
            self.say('ERROR: Cannot find generated Verilog files. Did you run C synthesis?')
            sys.exit(1)
        if self.failing('vsynth') and self.mode == 'no_vivado':
            self.tcl_error('couldn\'t execute "vivado": no such file or directory')
        device = self.part.split('-')[0]
        self.work()
        self.say(
            '',
            f'****** Vivado v{self.version} (64-bit)',
            'source vivado_synth.tcl',
            f'Command: synth_design -top {self.top} -part {self.part}',
            'Starting synth_design',
            f"Attempting to get a license for feature 'Synthesis' and/or device '{device}'",
        )
        if self.failing('vsynth') and self.mode == 'license':
            self.say(
                f"WARNING: [Common 17-348] Failed to get the license for feature 'Synthesis' and/or device '{device}'",
                f"ERROR: [Common 17-345] A valid license was not found for feature 'Synthesis' and/or device "
                f"'{device}'. Please run the Vivado License Manager for assistance in determining",
                '0 Infos, 1 Warnings, 0 Critical Warnings and 1 Errors encountered.',
                'synth_design failed',
            )
            sys.exit(1)
        if self.failing('vsynth') and self.mode == 'hang':
            self.hang()
        if self.failing('vsynth') and self.mode == 'crash':
            self.crash()
        if self.failing('vsynth') and self.mode in ('fail', 'error_exit0'):
            self.say(f"ERROR: [Synth 8-439] module '{self.top}_dense' not found", 'synth_design failed')
            sys.exit(0 if self.mode == 'error_exit0' else 1)
        self.say(
            f"INFO: [Common 17-349] Got license for feature 'Synthesis' and/or device '{device}'",
            'synth_design completed successfully',
            'report_utilization -file vivado_synth.rpt',
        )
        self.copy(SYN_SOURCE / 'vivado_synth.rpt', self.cwd / 'vivado_synth.rpt')
        self.end('vsynth')


if __name__ == '__main__':
    if sys.argv[1:2] == ['--hang-child']:
        hang_child(Path(sys.argv[2]), sys.argv[3] == '1')
    Fake(os.environ.get('FAKE_VITIS_TOOL_NAME', 'vitis_hls')).run(sys.argv[1:])
