"""The dashboard's figure module: plotly's lazy imports happen once, before any figure."""

import subprocess
import sys

from tests.dashboard._browser import env


def test_warm_up_imports_pandas_before_any_figure_is_built():
    # plotly's validators peek at sys.modules["pandas"]; a server thread importing pandas
    # meanwhile made a figure fail on a half-initialized module (an error 500)
    code = ("import sys, threading\n"
            "import tuneforge.dashboard.plots as p\n"
            "assert 'pandas' not in sys.modules, 'imported too early for this test'\n"
            "seen = []\n"
            "real = p.warm_up\n"
            "p.warm_up = lambda: (seen.append(threading.current_thread().name), real())\n"
            "import tuneforge as tf\n"
            "s = tf.create_study()\n"
            "s.optimize(lambda t: t.suggest_float('x', 0, 1) + t.suggest_float('y', 0, 1),"
            " n_trials=4)\n"
            "p.build('slice', s.trials, s.directions, objective=0, params=None, names=None)\n"
            "assert seen, 'build did not warm up first'\n"
            "assert 'pandas' in sys.modules and hasattr(sys.modules['pandas'], 'Series')\n"
            "assert p._warmed\n")
    out = subprocess.run([sys.executable, "-c", code], env=env(), capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
