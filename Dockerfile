# vecflow worker and API image (the same image runs either; see docker-compose.yml).
# Node 22 LTS, pinned by exact version tag. The image runs compiled JavaScript (`npm run build`:
# tsc into dist/, plus the prebuilt workflow bundle), with production dependencies only.

# Build: every dependency, then tsc and the workflow bundle.
FROM node:22.23.3-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build

# Run: production dependencies and dist/ only (no tsx, no TypeScript sources).
FROM node:22.23.3-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY vecflow.config.example.json ./
# The data directory (VECFLOW_DATA_DIR=/data in docker-compose.yml), owned by the non-root user the
# image runs as: an empty named volume mounted there takes this directory's owner on first use.
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 8000
# The API by default; the worker service overrides the command (node dist/worker/main.js).
CMD ["node", "dist/api/main.js"]
