from vru_deploy.cli import app

app(prog_name="vru")
