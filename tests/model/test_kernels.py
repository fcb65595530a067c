"""The compiled functions' cache is keyed by every source compiled code comes from."""

import numba

from innostate.model import kernels


def test_a_change_to_any_compiled_source_starts_a_fresh_cache(tmp_path):
    # numba alone checks only the decorated function's own file: a change to a callee's
    # module (production.py called from rnd's loops) must give another folder
    caller, callee = tmp_path / "rnd.py", tmp_path / "production.py"
    caller.write_text("def loop(): return step()\n")
    callee.write_text("def step(): return 1.0\n")
    before = kernels.cache_folder([caller, callee])
    assert kernels.cache_folder([caller, callee]) == before
    callee.write_text("def step(): return 2.0\n")
    assert kernels.cache_folder([caller, callee]) != before


def test_the_cache_lives_under_numba_cache_dir_when_set(tmp_path, monkeypatch):
    source = tmp_path / "a.py"
    source.write_text("x = 1\n")
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "cache"))
    assert kernels.cache_folder([source]).parent == tmp_path / "cache"


def test_numba_uses_the_folder_of_the_installed_sources():
    assert numba.config.CACHE_DIR == str(kernels.cache_folder())
    assert any(p.name == "production.py" for p in kernels.COMPILED_SOURCES)
    assert any(p.name == "rnd.py" for p in kernels.COMPILED_SOURCES)
