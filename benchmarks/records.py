"""Every number a benchmark prints is kept in a record: one JSON file per run under results/<benchmark>/, holding the
command line, the commit, the date, the machine (CPU model and the instruction sets that decide its speed: AVX2,
AVX512, AVX512-BF16, AMX; threads; GPU), the torch version, the settings and the results.

    from records import write_record
    write_record('speed', settings=vars(args), results=dict(rows=rows))      # -> results/speed/<date>-<kind>-<commit>.json

`report.py` builds the README's measured tables from these files; a number with no record is not shown.
"""
import datetime, json, os, platform, re, subprocess, sys
from pathlib import Path
import torch

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / 'results'


def cpu_flags()->set:
    "The CPU's feature flags as Linux reports them (empty elsewhere)."
    try: text = Path('/proc/cpuinfo').read_text()
    except OSError: return set()
    m = re.search(r'^flags\s*:(.*)$', text, re.M)
    return set(m[1].split()) if m else set()


def cpu_model()->str:
    try: m = re.search(r'^model name\s*:\s*(.*)$', Path('/proc/cpuinfo').read_text(), re.M)
    except OSError: m = None
    return m[1].strip() if m else platform.processor() or platform.machine()


def cpu_kind(flags:set=None)->str:
    "The instruction set that decides this CPU's speed here: AMX, AVX512-BF16, AVX512, AVX2 or other."
    flags = cpu_flags() if flags is None else flags
    for kind, flag in (('AMX', 'amx_tile'), ('AVX512-BF16', 'avx512_bf16'), ('AVX512', 'avx512f'), ('AVX2', 'avx2')):
        if flag in flags: return kind
    return 'other'


def machine(device='cpu')->dict:
    "What a number was measured on."
    flags = cpu_flags()
    gpu = torch.cuda.get_device_name() if torch.device(device).type == 'cuda' else None
    return dict(cpu=cpu_model(), kind=cpu_kind(flags), cores=os.cpu_count(), threads=torch.get_num_threads(),
                isa={f: f in flags for f in ('avx2', 'avx512f', 'avx512_bf16', 'amx_tile')},
                torch_isa=torch.backends.cpu.get_cpu_capability(), gpu=gpu, torch=torch.__version__,
                python=platform.python_version())


def git_commit()->tuple:
    "(commit, whether the tree had uncommitted changes to tracked files)."
    run = lambda *a: subprocess.run(['git', *a], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    return run('rev-parse', 'HEAD') or None, bool(run('status', '--porcelain', '--untracked-files=no'))


def write_record(benchmark:str, settings:dict, results:dict, device='cpu', argv=None, out=None)->Path:
    "Write one run's record to results/BENCHMARK/ (or `out`) and return its path."
    commit, dirty = git_commit()
    now = datetime.datetime.now(datetime.timezone.utc)
    m = machine(device)
    rec = dict(benchmark=benchmark, command=' '.join(['python', *(argv or sys.argv)]), commit=commit, dirty=dirty,
               date=now.isoformat(timespec='seconds'), machine=m, settings=settings, results=results)
    kind = (m['gpu'] or m['kind']).replace(' ', '-')
    d = Path(out) if out else RESULTS / benchmark
    d.mkdir(parents=True, exist_ok=True)
    path = d / f"{now:%Y-%m-%dT%H%M%S}-{kind}-{(commit or 'nogit')[:7]}.json"
    path.write_text(json.dumps(rec, indent=1, default=str) + '\n')
    print(f"record: {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return path


def read_records(benchmark:str=None, root=RESULTS)->list:
    "Every record (of `benchmark`), oldest first, each with its `path`."
    files = sorted(Path(root).glob(f"{benchmark or '*'}/*.json"))
    return [dict(json.loads(p.read_text()), path=str(p.relative_to(Path(root).parent))) for p in files]   # from the repository root


def machine_label(m:dict)->str:
    "A record's machine in a few words, e.g. '2-core AMD EPYC, AVX2 (float32), 2 threads'."
    if m.get('gpu'): return f"{m['gpu']}, torch {m['torch']}"
    return f"{m['cores']}-core {m['cpu']}, {m['kind']}, {m['threads']} thread{'s' * (m['threads'] != 1)}"
