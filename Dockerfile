# One image for the API and the workers; docker-compose.yml picks the command.
# TypeScript runs through tsx (there is no build step), a runtime dependency: dev dependencies are left out.
FROM node:20-bookworm-slim

WORKDIR /app

# Dependencies first, so source changes do not reinstall them.
COPY package.json package-lock.json ./
COPY packages/core/package.json packages/core/
COPY packages/service/package.json packages/service/
COPY packages/viewer/package.json packages/viewer/
COPY apps/api/package.json apps/api/
COPY apps/worker/package.json apps/worker/
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

COPY tsconfig.base.json tsconfig.json ./
COPY bin bin
COPY scripts scripts
COPY packages packages
COPY apps apps

ENV NODE_ENV=production \
    PORT=8080
USER node
EXPOSE 8080

# Liveness of the API; the worker service overrides the command (and has no HTTP port).
CMD ["node", "--import", "tsx", "apps/api/src/main.ts"]
