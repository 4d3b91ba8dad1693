"""A bare Flask "hello" app: the baseline bench/http_load.py serves the same way as Kampus.

gunicorn -w 2 -b 127.0.0.1:8001 --chdir bench hello:app
"""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "hello"
