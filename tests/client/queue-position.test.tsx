import '@testing-library/jest-dom';
import { render, screen } from '@testing-library/react';
import { QueuePosition } from '../../client/src/shopper/QueuePosition';

describe('the position view', () => {
  it('shows the position number alone, how many wait, and the wait in words', () => {
    render(<QueuePosition position={{ position: 42, etaSeconds: 120, waiting: 1500, firstPosition: 83 }} />);
    expect(screen.getByTestId('queue-position').textContent).toBe('42');
    expect(screen.getByText(/1,500 people are waiting/)).toBeInTheDocument();
    expect(screen.getByTestId('queue-eta')).toHaveTextContent('about 2 minutes');
    const progress = screen.getByRole('progressbar', { name: 'Progress through the queue' });
    expect(progress).toHaveAttribute('value', '50');
  });

  it('says one person in the singular', () => {
    render(<QueuePosition position={{ position: 1, etaSeconds: 0, waiting: 1, firstPosition: 1 }} />);
    expect(screen.getByTestId('queue-position').textContent).toBe('1');
    expect(screen.getByText(/1 person is waiting/)).toBeInTheDocument();
    expect(screen.getByTestId('queue-eta')).toHaveTextContent('any moment now');
  });
});
