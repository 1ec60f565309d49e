"""The baseline for the scan benchmark: a bare Flask app answering /s/<code> with a 302."""

from flask import Flask, redirect

app = Flask(__name__)


@app.route("/s/<code>")
def scan(code: str):
    """Redirect without doing anything else."""
    return redirect("https://spi.kpk.go.id/survei/eksternal", 302)
