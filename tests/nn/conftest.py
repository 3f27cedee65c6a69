"""Fixtures for the nn tests."""
import pytest
import torch


@pytest.fixture(autouse=True, scope="package")
def single_threaded_torch():
    """The reference computations are tiny: torch's thread pool only costs time (and on a
    busy machine, a lot of it). Restored afterwards for the other test packages."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
