# vecflow worker and API image (the same image runs either; see docker-compose.yml).
FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
COPY . .
USER node
EXPOSE 8000
# Run the API by default; the worker service overrides the command.
CMD ["node", "--import", "tsx", "api/main.ts"]
