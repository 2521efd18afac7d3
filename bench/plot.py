"""bench/latency.png: CDFs of the warm framed round trips, runtime against the echo floor, one panel per channel
(matplotlib, imported only when there is something to plot).
"""
from figures import SOCKET_P50_US, sections, versions_of


def representative(runs):
    """The repeat whose p50 is the median one."""
    ordered = sorted(runs, key=lambda r: r["p50_us"])
    return ordered[len(ordered) // 2]


def plot(results, png_path):
    """CDFs of the warm round-trip latencies, one panel per channel; False when there is nothing to plot."""
    s = sections(results)
    panels = []
    for name, where in (("docker-warm", "image"), ("host-warm", "host")):
        for channel in ("stdio", "unix"):
            curves = [(v, s[name][v][channel]) for v in versions_of(s.get(name, {}))
                      if "skipped" not in s[name][v]]
            if curves:
                panels.append(("%s, %s" % (where, "docker run -i stdio" if where == "image" and channel == "stdio"
                                           else "bind-mounted unix socket" if where == "image" else channel), curves))
    if not panels:
        return False
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    columns = 2
    rows = (len(panels) + 1) // columns
    fig, axes = plt.subplots(rows, columns, figsize=(12, 4.2 * rows), squeeze=False)
    colours = {"27": "tab:blue", "36": "tab:orange", "37": "tab:green"}
    for ax, (title, curves) in zip(axes.flat, panels):
        for version, pair in curves:
            for kind, style, label in (("subject", "-", "runtime"), ("floor", "--", "echo floor")):
                quantiles = representative(pair[kind])["quantiles_us"]
                ys = [100.0 * i / (len(quantiles) - 1) for i in range(len(quantiles))]
                ax.plot(quantiles, ys, style, color=colours[version], label="py%s %s" % (version, label))
        ax.set_xscale("log")
        ax.set_title(title)
        ax.set_xlabel("round-trip latency (us, log scale)")
        ax.set_ylabel("percent of invocations")
        ax.axvline(SOCKET_P50_US, color="grey", linewidth=0.6, linestyle=":")
        ax.grid(True, which="both", linewidth=0.3)
        ax.legend(fontsize=7, loc="lower right")
    for ax in list(axes.flat)[len(panels):]:
        ax.axis("off")
    fig.suptitle("Warm framed round trips, trivial handler: runtime (solid) vs echo floor (dashed)")
    fig.tight_layout()
    fig.savefig(png_path, dpi=90)
    plt.close(fig)
    return True
