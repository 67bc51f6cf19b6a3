# Production image: gunicorn behind nginx (see docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    BULLETIN_VAR_DIR=/var/lib/bulletin

# CJK fonts (FandolFang 仿宋 taken out of texlive-lang-chinese, LXGW WenKai 楷体, Noto CJK), Pango, and
# HarfBuzz-Subset: without it WeasyPrint subsets the CJK fonts with fontTools and a bulletin takes ~10 s
# instead of ~0.3 s.
COPY scripts/install-fandol.sh /tmp/install-fandol.sh
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      fonts-noto-cjk fonts-lxgw-wenkai fonts-arphic-ukai fonts-symbola fontconfig \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
 && /tmp/install-fandol.sh \
 && rm -rf /var/lib/apt/lists/* /tmp/install-fandol.sh \
 && useradd --system --home /app bulletin

WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN mkdir -p /var/lib/bulletin /app/staticfiles && chown bulletin /var/lib/bulletin /app/staticfiles

USER bulletin
EXPOSE 8000
# At start: static files are collected into the volume nginx reads (a rebuilt image never leaves an
# old manifest behind), and the shared cache is emptied (no page cached by the previous release).
CMD ["sh", "-c", "python manage.py collectstatic --noinput -v0 && python manage.py migrate --noinput && python manage.py shell -c 'from django.core.cache import cache; cache.clear()' && exec gunicorn bulletin_cms.wsgi --bind 0.0.0.0:8000 --workers 3 --max-requests 1000 --max-requests-jitter 100 --timeout 60 --access-logfile -"]
