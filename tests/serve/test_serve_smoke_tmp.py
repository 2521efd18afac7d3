import servekit
def test_x(python, tmp_path):
    s = servekit.start(python, "tcp", servekit.function_dir("counter"), tmp_path)
    with s.client() as c:
        r = c.invoke({})
    assert r.ok
    assert s.stop() == 0
