// A file that cannot even load: no test fails, yet the run must not count as green.
throw new Error("this test file errors while loading, on purpose");
